"""Publishing findings: terminal tables now; HTML/Markdown reports and maps later."""
