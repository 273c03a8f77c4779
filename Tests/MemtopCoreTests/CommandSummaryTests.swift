import MemtopFormat
import Testing

@Suite("What tells one command line from another")
struct CommandSummaryTests {
  @Test(
    "an interpreter's path and options go, its script and arguments stay; other programs lose their directory",
    arguments: [
      ("/usr/bin/python3 -u /srv/app/server.py --port 9401", "server.py --port 9401"),
      ("python3.12 -X dev -W error app.py", "app.py"),
      ("/usr/bin/python3 -m http.server 8000", "python3 -m http.server 8000"),
      ("python3 -c print(1)", "python3 -c print(1)"),
      ("/usr/bin/python3", "python3"),
      ("node --max-old-space-size=512 /srv/index.js --prod", "index.js --prod"),
      ("/bin/bash /usr/local/bin/backup.sh nightly", "backup.sh nightly"),
      ("/usr/lib/firefox/firefox -contentproc 12", "firefox -contentproc 12"),
      ("/usr/bin/python-config --libs", "python-config --libs"),
      ("sshd: root@pts/0", "sshd: root@pts/0"),
      ("", ""),
      ("/", "/"),
    ])
  func summaries(line: String, expected: String) {
    #expect(CommandSummary.distinguishing(line) == expected)
  }
}
