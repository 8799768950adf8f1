"""Productions (and pitches and concepts) and who is a member of each."""
