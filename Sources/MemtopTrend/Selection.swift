/// In-place selection of order statistics (Hoare's quickselect with median-of-three pivots).
///
/// Expected O(n); used instead of sorting for medians and interval bounds of the 32,640
/// pairwise slopes of 256 points.
enum Selection {
  /// The k-th smallest element (0-based) of `x`, reordering `x` so that everything before
  /// index k is ≤ it and everything after is ≥ it.
  static func select(_ x: inout [Double], _ k: Int) -> Double {
    precondition(k >= 0 && k < x.count, "order statistic out of range")
    return x.withUnsafeMutableBufferPointer { a in
      var left = 0
      var right = a.count - 1
      while right > left {
        let mid = left + (right - left) / 2
        // Median of three as pivot, moved to `right`.
        if a[mid] < a[left] { a.swapAt(mid, left) }
        if a[right] < a[left] { a.swapAt(right, left) }
        if a[mid] < a[right] { a.swapAt(mid, right) }
        let pivot = a[right]
        var i = left
        var j = right - 1
        while true {
          while a[i] < pivot { i += 1 }
          while j > left && a[j] > pivot { j -= 1 }
          if i >= j { break }
          a.swapAt(i, j)
          i += 1
          j -= 1
        }
        a.swapAt(i, right)
        if i == k { return a[k] }
        if i < k { left = i + 1 } else { right = i - 1 }
      }
      return a[k]
    }
  }
}
