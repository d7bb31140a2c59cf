"""Development benchmarks of memberkpi (not installed with the package).

Run from the project root: .venv/bin/python -m benchmarks.bench --help
"""
