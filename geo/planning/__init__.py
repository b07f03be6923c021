"""From zones to plans: items, costs, priority, the reserve and annual plan, the roadmap, public notice."""
