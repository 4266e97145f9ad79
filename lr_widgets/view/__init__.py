"""Everything that draws or takes input: controls, the schedule plot, the side panel, the composer."""
