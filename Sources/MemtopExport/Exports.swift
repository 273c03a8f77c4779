// The rooms below the outputs, seen by every file here and by whoever imports it.
@_exported import MemtopAnalysis
