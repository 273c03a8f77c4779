import Foundation
import MemtopFormat

/// One line from a Python agent, parsed defensively: the agent runs inside someone else's
/// program, so every string is escaped and cut (``Sanitizer``) before anything can show it,
/// every number is range-checked, every list capped. A field of the wrong type is left out,
/// never trusted.
public enum AgentRecord: Sendable, Equatable {
  /// The agent started (see ``AgentHello``).
  case hello(AgentHello)
  /// A reading (see ``AgentSample``).
  case sample(AgentSample)
  /// Something the user should know, escaped, at most 300 characters.
  case note(String)
  /// The agent is detaching, and why.
  case bye(String)

  /// Most entries kept of any list a record carries.
  package static let maxEntries = 200

  /// Parses one line (without its newline); nil when it is not a JSON object with a known `type`.
  public static func parse(_ line: Substring) -> AgentRecord? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
    return parse(object)
  }

  /// Parses a decoded JSON object.
  public static func parse(_ object: [String: Any]) -> AgentRecord? {
    switch object["type"] as? String {
    case "hello": return .hello(AgentHello(object))
    case "sample": return .sample(AgentSample(object))
    case "note": return .note(text(object["message"], max: 300) ?? "")
    case "bye": return .bye(text(object["reason"], max: 300) ?? "")
    default: return nil
    }
  }

  // MARK: - Checked fields

  /// A string, escaped and cut to `max` characters.
  static func text(_ value: Any?, max: Int = 200) -> String? {
    guard let string = value as? String else { return nil }
    return Sanitizer.terminalSafe(string, maxLength: max)
  }

  /// A finite number (not a boolean).
  static func number(_ value: Any?) -> Double? {
    guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
    let double = number.doubleValue
    return double.isFinite ? double : nil
  }

  /// A whole number in 0...2^53 (a count, a size in bytes).
  static func count(_ value: Any?) -> Int? {
    guard let double = number(value), double >= 0, double <= 9_007_199_254_740_992 else { return nil }
    return Int(double.rounded(.down))
  }

  /// A boolean (JSON true or false only).
  static func flag(_ value: Any?) -> Bool? {
    guard let number = value as? NSNumber, isBoolean(number) else { return nil }
    return number.boolValue
  }

  /// Whether JSONSerialization made this number of `true` or `false` (type code `c`: JSON
  /// itself has no 8-bit integers).
  static func isBoolean(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
  }

  /// A list of whole numbers, at most `max` long.
  static func counts(_ value: Any?, max: Int = 3) -> [Int]? {
    guard let list = value as? [Any] else { return nil }
    return list.prefix(max).map { count($0) ?? 0 }
  }

  /// A process id in 1...Int32.max.
  static func pid(_ value: Any?) -> Int32? {
    guard let double = number(value), double >= 1, double <= Double(Int32.max) else { return nil }
    return Int32(double)
  }

  /// A list of objects, at most ``maxEntries``.
  static func objects(_ value: Any?) -> [[String: Any]]? {
    guard let list = value as? [Any] else { return nil }
    return list.prefix(maxEntries).compactMap { $0 as? [String: Any] }
  }
}

/// The agent's first line: which process and interpreter it runs in.
public struct AgentHello: Sendable, Equatable {
  public var version: Int
  public var pid: Int32?
  /// `3.11.7`.
  public var python: String
  /// `cpython`.
  package var implementation: String
  public var executable: String
  public var argv: [String]
  /// Whether the program already traced with tracemalloc before the agent came.
  package var tracemallocWasTracing: Bool

  init(_ object: [String: Any]) {
    version = AgentRecord.count(object["version"]) ?? 0
    pid = AgentRecord.pid(object["pid"])
    python = AgentRecord.text(object["python"], max: 40) ?? "?"
    implementation = AgentRecord.text(object["implementation"], max: 40) ?? "?"
    executable = AgentRecord.text(object["executable"]) ?? ""
    argv = ((object["argv"] as? [Any]) ?? []).prefix(32).compactMap { AgentRecord.text($0, max: 120) }
    tracemallocWasTracing = AgentRecord.flag(object["tracemalloc_was_tracing"]) ?? false
  }
}

/// The collector's state in one sample.
public struct GCState: Sendable, Equatable {
  public var enabled: Bool
  /// Objects per generation waiting for the next collection.
  public var counts: [Int]
  /// Collections run per generation.
  package var collections: [Int]
  /// Objects freed per generation.
  package var collected: [Int]
  /// Uncollectable objects found per generation.
  package var uncollectable: [Int]
  /// `len(gc.garbage)`.
  public var garbage: Int

  public init(
    enabled: Bool, counts: [Int] = [], collections: [Int] = [], collected: [Int] = [], uncollectable: [Int] = [],
    garbage: Int = 0
  ) {
    self.enabled = enabled
    self.counts = counts
    self.collections = collections
    self.collected = collected
    self.uncollectable = uncollectable
    self.garbage = garbage
  }

  init?(_ value: Any?) {
    guard let object = value as? [String: Any], let enabled = AgentRecord.flag(object["enabled"]) else { return nil }
    self.init(
      enabled: enabled, counts: AgentRecord.counts(object["counts"]) ?? [],
      collections: AgentRecord.counts(object["collections"]) ?? [],
      collected: AgentRecord.counts(object["collected"]) ?? [],
      uncollectable: AgentRecord.counts(object["uncollectable"]) ?? [],
      garbage: AgentRecord.count(object["garbage"]) ?? 0)
  }
}

/// One `functools.lru_cache` wrapper.
public struct CacheReading: Sendable, Equatable {
  /// Qualified name, e.g. `shop.prices.price`.
  public var function: String
  package var currsize: Int
  /// nil: unbounded (`maxsize=None`).
  public var maxsize: Int?
  package var hits: Int
  package var misses: Int
  /// Estimated bytes its entries hold (keys and results), from the agent's last census; nil
  /// when not sized (an older agent, or a cache over 100,000 entries).
  public var approxBytes: Int?

  public init(
    function: String, currsize: Int, maxsize: Int?, hits: Int = 0, misses: Int = 0, approxBytes: Int? = nil
  ) {
    self.function = function
    self.currsize = currsize
    self.maxsize = maxsize
    self.hits = hits
    self.misses = misses
    self.approxBytes = approxBytes
  }
}

/// Live objects of one type (GC-tracked), or the memory one source line holds.
public struct NamedCount: Sendable, Equatable {
  /// A type name, or `path/file.py:LINE`.
  public var name: String
  /// Objects, or bytes for a line.
  public var value: Int

  public init(name: String, value: Int) {
    self.name = name
    self.value = value
  }
}

/// One reading of the agent.
public struct AgentSample: Sendable, Equatable {
  /// The agent's wall clock, seconds since the epoch.
  public var time: Double?
  public var pid: Int32?
  public var gc: GCState?
  /// The caches found (on every sample; rescanned on census ticks).
  public var caches: [CacheReading]?
  /// Objects by type, on census ticks only.
  public var types: [NamedCount]?
  /// Milliseconds the census took.
  package var censusMilliseconds: Double?
  /// Whether tracemalloc runs.
  public var tracing: Bool?
  /// Bytes tracemalloc traces now, and its peak, while tracing.
  package var tracedCurrent: Int?
  package var tracedPeak: Int?
  /// Bytes per `file:line`, on snapshot ticks.
  public var lines: [NamedCount]?
  /// The agent's own footprint (tracemalloc's traces while its window runs, its buffers),
  /// bytes: what memtop subtracts before judging.
  public var observerBytes: Int?
  /// A tracing window's edge, on the first sample after it.
  public var window: WindowEdge?
  /// Growing containers, named, on census ticks.
  public var retainers: [Retainer]?

  public init() {}

  init(_ object: [String: Any]) {
    time = AgentRecord.number(object["t"])
    pid = AgentRecord.pid(object["pid"])
    gc = GCState(object["gc"])
    caches = AgentRecord.objects(object["caches"]).map { list in
      list.compactMap { entry in
        guard let function = AgentRecord.text(entry["function"]), let size = AgentRecord.count(entry["currsize"]) else {
          return nil
        }
        return CacheReading(
          function: function, currsize: size, maxsize: AgentRecord.count(entry["maxsize"]),
          hits: AgentRecord.count(entry["hits"]) ?? 0, misses: AgentRecord.count(entry["misses"]) ?? 0,
          approxBytes: AgentRecord.count(entry["approx_bytes"]))
      }
    }
    types = AgentRecord.objects(object["types"]).map { list in
      list.compactMap { entry in
        guard let name = AgentRecord.text(entry["type"], max: 120), let count = AgentRecord.count(entry["count"]) else {
          return nil
        }
        return NamedCount(name: name, value: count)
      }
    }
    censusMilliseconds = AgentRecord.number(object["census_ms"])
    tracing = AgentRecord.flag(object["tracing"])
    if let traced = object["traced"] as? [String: Any] {
      tracedCurrent = AgentRecord.count(traced["current"])
      tracedPeak = AgentRecord.count(traced["peak"])
    }
    lines = AgentRecord.objects(object["lines"]).map { list in
      list.compactMap { entry in
        guard let location = AgentRecord.text(entry["location"], max: 300),
          let bytes = AgentRecord.count(entry["bytes"])
        else { return nil }
        return NamedCount(name: location, value: bytes)
      }
    }
    observerBytes = AgentRecord.count(object["observer_bytes"])
    window = WindowEdge(object["window"])
    retainers = AgentRecord.objects(object["retainers"]).map { list in list.prefix(20).compactMap(Retainer.init) }
  }
}

/// The edge of the agent's tracing window (`docs/python-agent.md`, "Window edges").
public struct WindowEdge: Sendable, Equatable {
  /// Wall-clock seconds the window opened, or closed.
  public var openedAt: Double?
  public var closedAt: Double?
  /// Why it closed: `snapshots`, `deadline`, `budget`, `detach`.
  public var reason: String?
  /// The window's memory budget, bytes.
  public var maxBytes: Int?
  /// RSS the hand-back (stop, collect, `malloc_trim`) gave the system, bytes (negative when
  /// the program grew meanwhile).
  public var returnedBytes: Int?

  public init(
    openedAt: Double? = nil, closedAt: Double? = nil, reason: String? = nil, maxBytes: Int? = nil,
    returnedBytes: Int? = nil
  ) {
    self.openedAt = openedAt
    self.closedAt = closedAt
    self.reason = reason
    self.maxBytes = maxBytes
    self.returnedBytes = returnedBytes
  }

  init?(_ value: Any?) {
    guard let object = value as? [String: Any] else { return nil }
    openedAt = AgentRecord.number(object["opened_at"])
    closedAt = AgentRecord.number(object["closed_at"])
    guard openedAt != nil || closedAt != nil else { return nil }
    reason = AgentRecord.text(object["reason"], max: 20)
    maxBytes = AgentRecord.count(object["max_bytes"])
    if let returned = AgentRecord.number(object["returned_bytes"]), abs(returned) <= 9_007_199_254_740_992 {
      returnedBytes = Int(returned)
    }
  }
}

/// A container that keeps growing, and how the program reaches it.
public struct Retainer: Sendable, Equatable {
  /// `handlers._RESPONSE_CACHE`; nil when it could not be named.
  public var path: String?
  /// `dict`, `list`, `set`, `collections.deque`…
  public var type: String
  /// Entries now.
  public var length: Int
  /// Entries per second.
  public var growthPerSecond: Double
  /// Estimated bytes held (the container and its entries).
  public var approxBytes: Int?
  /// `/abs/handlers.py:32`, where the name is assigned.
  public var definedAt: String?

  public init(
    path: String?, type: String, length: Int, growthPerSecond: Double, approxBytes: Int? = nil, definedAt: String? = nil
  ) {
    self.path = path
    self.type = type
    self.length = length
    self.growthPerSecond = growthPerSecond
    self.approxBytes = approxBytes
    self.definedAt = definedAt
  }

  init?(_ object: [String: Any]) {
    guard let type = AgentRecord.text(object["type"], max: 60), let length = AgentRecord.count(object["length"]),
      let growth = AgentRecord.number(object["growth_per_s"])
    else { return nil }
    self.init(
      path: AgentRecord.text(object["path"], max: 160), type: type, length: length, growthPerSecond: growth,
      approxBytes: AgentRecord.count(object["approx_bytes"]),
      definedAt: AgentRecord.text(object["defined_at"], max: 300))
  }
}
