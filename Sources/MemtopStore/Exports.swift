// The rooms below the store, seen by every file here and by whoever imports it.
@_exported import MemtopSampling
@_exported import MemtopTrend
