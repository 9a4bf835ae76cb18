"""Training, export and evaluation tools for vidstyle's multi-style network."""
