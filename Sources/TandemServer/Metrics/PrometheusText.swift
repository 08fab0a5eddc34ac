/// Renders metrics in the Prometheus text exposition format (version 0.0.4).
public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `info` labels become one `<name>{labels} 1` gauge first (the `*_build_info` convention).
    public static func render(info: (name: String, help: String, labels: [(String, String)])? = nil,
                              counters: [Counter], gauges: [Gauge], histograms: [Histogram]) -> String {
        var out = ""
        if let info {
            header(&out, info.name, info.help, "gauge")
            let labels = info.labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",")
            out += "\(info.name){\(labels)} 1\n"
        }
        for c in counters {
            header(&out, c.name, c.help, "counter")
            out += "\(c.name) \(c.value)\n"
        }
        for g in gauges {
            header(&out, g.name, g.help, "gauge")
            out += "\(g.name) \(g.value)\n"
        }
        for h in histograms {
            header(&out, h.name, h.help, "histogram")
            let snap = h.snapshot()
            for (bound, cumulative) in zip(h.bounds, snap.cumulative) {
                out += "\(h.name)_bucket{le=\"\(format(bound))\"} \(cumulative)\n"
            }
            out += "\(h.name)_bucket{le=\"+Inf\"} \(snap.count)\n"
            out += "\(h.name)_sum \(format(snap.sum))\n"
            out += "\(h.name)_count \(snap.count)\n"
        }
        return out
    }

    private static func header(_ out: inout String, _ name: String, _ help: String, _ type: String) {
        let escaped = help.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
        out += "# HELP \(name) \(escaped)\n# TYPE \(name) \(type)\n"
    }

    private static func escapeLabel(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }

    private static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
