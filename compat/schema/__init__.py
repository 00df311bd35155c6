"""Loading schemas from the store, files and git, and normalising them for comparison."""
