"""Dataset atlas: attention over a whole corpus, exported to Parquet (Ray Data or one process), queried with DuckDB."""
from .datasets import NAMED, Example, read_examples
from .export import ENGINES, ExportInfo, MapExtractor, default_engine, export, read_info
from .rows import SCHEMA, explanation_rows, map_statistics, row_to_map

__all__ = ["ENGINES", "Example", "ExportInfo", "MapExtractor", "NAMED", "SCHEMA", "default_engine", "explanation_rows",
           "export", "map_statistics", "read_examples", "read_info", "row_to_map"]
