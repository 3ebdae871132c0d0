"""Storage: database URLs and settings, the view connection, event decoding, the log reader, the job log, the database roles."""
