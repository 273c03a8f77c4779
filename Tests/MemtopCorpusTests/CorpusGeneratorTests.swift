import Testing
@testable import MemtopCorpus
import MemtopCore

@Suite struct CorpusGeneratorTests {
  @Test func sameSeedSameSeries() {
    let shape = CorpusCatalog.leaks[2]
    let a = CorpusGenerator().generate(shape, replicate: 3, scale: .short)
    let b = CorpusGenerator().generate(shape, replicate: 3, scale: .short)
    #expect(a.series == b.series)
  }
}
