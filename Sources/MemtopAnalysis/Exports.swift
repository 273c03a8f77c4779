// The rooms below the analysis, seen by every file here and by whoever imports it.
@_exported import MemtopStore
