"""pandera models for every table that crosses a stage boundary (validated where it is produced)."""
