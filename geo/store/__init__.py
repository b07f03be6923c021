"""What a planner keeps: the proposals workspace (revisions) and unsaved drafts."""
