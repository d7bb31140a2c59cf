"""`memberkpi publish`: the serving copy BI tools read (serving)."""
