"""Compliance reports: figures from SQL, drill-downs, CSV/XLSX/PDF exports, charts."""
