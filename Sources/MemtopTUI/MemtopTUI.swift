import MemtopCore

/// The interactive view's namespace; the view itself grows in the TUI work.
public enum MemtopTUI {}
