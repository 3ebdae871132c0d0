"""Year-end reports: the report body of a department-year, the issued snapshots (close/verify), the official tables as cell grids and their xlsx/docx/md renderers."""
