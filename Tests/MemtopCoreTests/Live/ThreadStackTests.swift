import Foundation
import Testing

@testable import MemtopCore
@testable import MemtopSystem

/// Thread stacks matched to threads on real processes: a guarded `rw-p` mapping is a stack
/// only while the process has a thread (besides the main one) to own it.
@Suite("thread stacks are matched to threads", .serialized)
struct ThreadStackTests {
  /// Starts `argv[1]` threads that wait for ever, then makes `argv[2]` blocks of 2 MiB, each
  /// fenced by a one-page `---p` guard below it (as a thread stack is) and written; says
  /// `ready` and waits.
  static let guardedProgram = """
    #include <pthread.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/mman.h>
    #include <unistd.h>
    static void *wait_forever(void *arg) {
      (void)arg;
      for (;;) pause();
      return NULL;
    }
    int main(int argc, char **argv) {
      if (argc < 3) return 2;
      int threads = atoi(argv[1]), blocks = atoi(argv[2]);
      long page = sysconf(_SC_PAGESIZE);
      size_t size = 2 << 20;
      for (int i = 0; i < threads; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, wait_forever, NULL) != 0) return 3;
      }
      for (int i = 0; i < blocks; i++) {
        char *p = mmap(NULL, page + size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 4;
        if (mprotect(p + page, size, PROT_READ | PROT_WRITE) != 0) return 5;
        memset(p + page, 1, size);
      }
      printf("ready\\n");
      fflush(stdout);
      char c;
      while (read(0, &c, 1) > 0) {}
      return 0;
    }
    """

  /// The walk (and the `smaps` fallback) of a program with `threads` extra threads and
  /// `blocks` guarded 2 MiB blocks; both checked to add up to RSS.
  static func readings(threads: Int, blocks: Int) throws -> (walk: RegionReading, smaps: RegionReading) {
    let program = try CProgram(source: guardedProgram, arguments: ["\(threads)", "\(blocks)"])
    defer { program.stop() }
    try program.waitUntilReady()
    let walk = try RegionWalkTests.checkSum(pid: program.pid)
    let smaps = try RegionWalkTests.checkSum(pid: program.pid, useIoctls: false)
    return (walk, smaps)
  }

  @Test("one thread and 40 guarded 2 MiB blocks: no thread stack but [stack]; the 80 MiB are other_anon")
  func guardedBlocksAreNotStacks() throws {
    let (walk, smaps) = try Self.readings(threads: 0, blocks: 40)
    for reading in [walk, smaps] {
      // Before: each block above its guard page counted as a stack (41 stacks, 80 MiB).
      #expect(reading.threadStacks == 1, "stacks: \(reading.threadStacks)")
      #expect(reading.bytes.threadStacks < 1 << 20, "stack bytes: \(reading.bytes.threadStacks)")
      #expect(reading.bytes.otherAnon >= 80 << 20, "other_anon: \(reading.bytes.otherAnon)")
    }
  }

  @Test("4 threads and 20 guarded 2 MiB blocks: 5 stacks (the threads' own), the blocks other_anon")
  func threadsKeepTheirStacks() throws {
    let (walk, smaps) = try Self.readings(threads: 4, blocks: 20)
    for reading in [walk, smaps] {
      #expect(reading.threadStacks == 5, "stacks: \(reading.threadStacks)")
      // Four waiting threads touch a few KiB of their stacks each; no 2 MiB block is among them.
      #expect(reading.bytes.threadStacks > 0)
      #expect(reading.bytes.threadStacks < 2 << 20, "stack bytes: \(reading.bytes.threadStacks)")
      #expect(reading.bytes.otherAnon >= 40 << 20, "other_anon: \(reading.bytes.otherAnon)")
    }
  }
}
