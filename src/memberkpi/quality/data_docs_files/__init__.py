"""Files that make the GX Data Docs readable offline (package data, see quality.data_docs)."""
