import Foundation
import MemtopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Python interpreter the agent's tests use.
enum AgentPython {
  /// The real interpreter behind `python3` on PATH (pyenv's `python3` is a shell shim), when it
  /// is Python 3.8 or newer.
  static let path: String? = {
    guard
      let run = try? PythonAgentTests.run(
        ["python3", "-c", "import sys; assert sys.version_info >= (3, 8); print(sys.executable)"], timeout: 60),
      run.status == 0
    else { return nil }
    let path = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    return path.isEmpty ? nil : path
  }()
}

/// Runs the Python agent's real-process tests (`Tests/PythonAgent/test_agent.py`): each plays
/// memtop's side of the socket against a real Python program launched with the agent (or
/// attached to with gdb) and checks what the agent reports and that the program is unharmed.
@Suite(
  "the Python agent against real programs", .serialized,
  .enabled(
    if: AgentPython.path != nil,
    "no python3 on PATH: install Python 3.8+ (Debian: apt-get install python3) to test the agent"))
struct PythonAgentTests {
  static let repoRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let harness = repoRoot.appendingPathComponent("Tests/PythonAgent/test_agent.py").path

  /// The harness's tests, one Swift test case each.
  static let names = [
    "test_hello",
    "test_unbounded_lru_cache_named_with_growing_size",
    "test_a_big_heap_skips_the_census_and_still_names_module_caches",
    "test_a_tracing_window_ends_at_its_deadline",
    "test_collector_off_and_the_growing_type",
    "test_a_census_empties_the_free_lists_with_a_full_collection_left_out_of_the_counts",
    "test_a_census_waits_while_the_heap_is_above_its_recent_low",
    "test_no_collection_where_the_program_watches_the_collector_or_turned_it_off",
    "test_trace_names_the_storing_line_then_stops_tracemalloc",
    "test_trace_leaves_the_programs_own_tracemalloc_on",
    "test_detach_during_a_window_stops_tracemalloc_and_a_later_start_reconnects",
    "test_bad_commands_are_noted_and_the_agent_goes_on",
    "test_the_users_own_sitecustomize_still_runs",
    "test_a_failing_user_sitecustomize_is_reported_as_site_reports_it",
    "test_a_program_importing_its_own_attach_module_gets_it",
    "test_no_memtop_no_harm",
    "test_memtop_disappearing_mid_run",
    "test_memtop_not_reading_drops_samples_and_never_blocks",
    "test_a_forked_child_connects_on_its_own_and_lets_go_of_the_parents_connection",
    "test_a_fork_while_the_agent_starts_still_gives_the_child_its_own",
    "test_starting_twice_is_a_no_op_and_leaves_no_trace",
    "test_other_interpreters",
    "test_attach_with_gdb_to_a_running_program",
    "test_a_daemon_closing_its_descriptors_gets_no_agent_data_on_its_sockets",
    "test_a_daemon_reusing_the_agents_descriptor_number_keeps_its_socket",
    "test_a_socket_swapped_onto_the_agents_number_mid_receive_is_not_read",
    "test_a_second_memtop_is_told_this_process_is_busy",
    "test_loaders_print_nothing_when_the_agent_cannot_be_read",
    "test_the_observer_is_measured_and_a_window_hands_memory_back",
    "test_a_tracing_window_closes_at_its_memory_budget",
    "test_a_window_at_its_budget_stops_tracing_before_counting_its_last_lines",
    "test_retainer_a_module_global_dict_is_named_with_its_line",
    "test_retainer_closures_on_an_event_bus_class_attribute",
    "test_retainer_a_set_of_asyncio_tasks_in_a_module_global",
    "test_retainer_held_deeper_is_named_by_a_walk_of_referrers",
    "test_retainer_a_bounded_cache_is_not_growing_once_full",
    "test_lru_caches_are_sized_and_a_bounded_caches_dict_is_not_a_retainer",
    "test_the_agents_own_frames_never_appear_among_lines_on_a_native_leak",
  ]

  @Test("this suite runs every test the harness has")
  func listed() throws {
    let run = try Self.run([AgentPython.path!, Self.harness, "--list"], timeout: 60)
    #expect(run.status == 0, "\(run.output)")
    let listed = run.output.split(separator: "\n").map(String.init)
    #expect(listed.sorted() == Self.names.sorted(), "add the harness's new tests to PythonAgentTests.names")
  }

  @Test("the agent in a real program", arguments: names)
  func agent(name: String) throws {
    let run = try Self.run([AgentPython.path!, Self.harness, "-v", "AgentTests." + name], timeout: 300)
    #expect(run.status == 0, "\(name) failed:\n\(run.output)")
    if run.output.contains("skipped") {
      print("PythonAgentTests: \(name) " + (run.output.split(separator: "\n").first { $0.contains("skipped") } ?? ""))
    }
  }

  /// Runs `argv` (looked up on PATH, no shell) with standard output and error captured
  /// together; kills it after `timeout` seconds.
  static func run(_ argv: [String], timeout: Double) throws -> (status: Int32?, output: String) {
    let (status, text) = try TestProcess.run(argv, timeout: timeout)
    return (status, status == nil ? text + "\n(killed after \(Int(timeout)) s)" : text)
  }

}
