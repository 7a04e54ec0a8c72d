"""Read models: inbox, task context, timeline, register, search and the citizen's lookup."""
