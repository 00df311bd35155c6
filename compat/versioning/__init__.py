"""The versioned store and what is built on it: sources (`v1`, files, `GITREF:PATH`), git
access, the CI gate, releases and the changelog."""
