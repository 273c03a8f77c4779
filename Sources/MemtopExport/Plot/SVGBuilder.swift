/// Builds an SVG document as text: elements with attributes, numbers in a compact fixed form.
///
/// Attribute values and text pass through ``XMLText/escape(_:maxLength:)``, so untrusted text
/// (file names, markers) can never open an element or break out of an attribute.
struct SVGBuilder {
  private(set) var text = ""

  init(width: Double, height: Double, title: String) {
    text += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    text += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""
    text += " width=\"\(Self.number(width))\" height=\"\(Self.number(height))\""
    text += " viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\""
    text += " font-family=\"DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif\">\n"
    text += "<title>\(XMLText.escape(title))</title>\n"
  }

  /// An empty element, e.g. `<line x1="0" …/>`.
  mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>) {
    text += "<\(name)\(Self.attributeText(attributes))/>\n"
  }

  /// An element holding escaped text, e.g. `<text x="3">RSS</text>`.
  mutating func text(_ content: String, _ attributes: KeyValuePairs<String, String>, maxLength: Int = 256) {
    text += "<text\(Self.attributeText(attributes))>\(XMLText.escape(content, maxLength: maxLength))</text>\n"
  }

  /// Opens a group; close it with ``close(_:)``.
  mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
    text += "<\(name)\(Self.attributeText(attributes))>\n"
  }

  mutating func close(_ name: String) {
    text += "</\(name)>\n"
  }

  /// The finished document.
  mutating func finish() -> String {
    text += "</svg>\n"
    return text
  }

  /// A coordinate with at most one decimal: `12`, `12.5`, `-3.2`.
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let tenths = Int(saturating: (value * 10).rounded())
    let sign = tenths < 0 ? "-" : ""
    let magnitude = abs(tenths)
    return sign + (magnitude % 10 == 0 ? "\(magnitude / 10)" : "\(magnitude / 10).\(magnitude % 10)")
  }

  private static func attributeText(_ attributes: KeyValuePairs<String, String>) -> String {
    attributes.map { " \($0.key)=\"\(XMLText.escape($0.value, maxLength: 1 << 30))\"" }.joined()
  }
}
