"""What leaves the tool: zone exports, contiguous-area projects, plan tables and printable sheets."""
