// Everything true without a terminal is reached through `import MemtopCore`; the lower rooms
// are targets of their own so that they cannot reach up (see docs/architecture.md).
@_exported import MemtopAnalysis
@_exported import MemtopExport
@_exported import MemtopFormat
@_exported import MemtopSampling
@_exported import MemtopStore
@_exported import MemtopSystem
@_exported import MemtopTrend
