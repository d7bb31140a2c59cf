"""`memberkpi dashboard`: the HTML dashboard (render) of a serving copy: its
data (data), panels (panels), formatting (format) and labels (text)."""
