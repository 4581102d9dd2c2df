"""The report's building blocks, below the methods so that each method can write its own report section:
``document`` (the report as blocks), ``markup`` (escaping data into Markdown, safe HTML) and ``format`` (numbers,
factors, intervals, flags, the selections of the trends table, ``ReportInputs``). ``tasks.render`` assembles the
report from them and from the methods' sections; nothing here names a method's options or draws a figure."""
