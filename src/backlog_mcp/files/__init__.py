"""Everything that touches the local disk: the workspace boundary, safe names, atomic writes."""
