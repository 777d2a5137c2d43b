"""The deployment: the Dockerfile, deploy/compose.yaml and what they promise."""
