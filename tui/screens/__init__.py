"""The Textual screens: overview, project detail, explain, the recording forms, help."""
