// The rooms below sampling, seen by every file here and by whoever imports it.
@_exported import MemtopFormat
@_exported import MemtopSystem
