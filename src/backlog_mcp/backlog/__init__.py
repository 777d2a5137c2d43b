"""Everything that speaks Backlog's REST API, and nothing else."""
