// MetricsRegistry::RenderText: the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include <charconv>
#include <cmath>
#include <string>

#include "observability/metrics.h"

namespace fanout {
namespace {

void AppendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);  // shortest exact
    out.append(buffer, ec == std::errc() ? end : buffer);
  }
}

void AppendInteger(std::string& out, std::uint64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

// HELP text escapes backslash and newline; label values also escape the double quote.
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        if (quote) {
          out += "\\\"";
          break;
        }
        [[fallthrough]];
      default:
        out.push_back(c);
    }
  }
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type) {
  out += "# HELP ";
  out += name;
  out.push_back(' ');
  AppendEscaped(out, help, /*quote=*/false);
  out += "\n# TYPE ";
  out += name;
  out.push_back(' ');
  out += type;
  out.push_back('\n');
}

// name{a="x",b="y",le="0.5"} — `le` only for histogram buckets.
void AppendSeries(std::string& out, std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& names, const std::vector<std::string>& values,
                  const std::string* le) {
  out += name;
  out += suffix;
  if (names.empty() && le == nullptr) {
    out.push_back(' ');
    return;
  }
  out.push_back('{');
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], /*quote=*/true);
    out.push_back('"');
  }
  if (le != nullptr) {
    if (!names.empty()) out.push_back(',');
    out += "le=\"";
    out += *le;
    out.push_back('"');
  }
  out += "} ";
}

}  // namespace

std::string MetricsRegistry::RenderText() const {
  std::vector<std::function<void()>> collectors;
  {
    MutexLock lock(&mutex_);
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect();

  MutexLock lock(&mutex_);
  std::string out;
  out.reserve(8192);
  // Not a structured binding: clang before 16 cannot capture one in the lambdas below.
  for (const auto& named : order_) {
    const std::string& name = named.first;
    const Entry& entry = named.second;
    switch (entry.type) {
      case MetricType::kCounter: {
        const auto& family = *static_cast<const CounterFamily*>(entry.family);
        AppendHeader(out, name, family.help(), "counter");
        family.ForEach([&](const std::vector<std::string>& values, const Counter& counter) {
          AppendSeries(out, name, "", family.label_names(), values, nullptr);
          AppendInteger(out, counter.value());
          out.push_back('\n');
        });
        break;
      }
      case MetricType::kGauge: {
        const auto& family = *static_cast<const GaugeFamily*>(entry.family);
        AppendHeader(out, name, family.help(), "gauge");
        family.ForEach([&](const std::vector<std::string>& values, const Gauge& gauge) {
          AppendSeries(out, name, "", family.label_names(), values, nullptr);
          AppendNumber(out, gauge.value());
          out.push_back('\n');
        });
        break;
      }
      case MetricType::kHistogram: {
        const auto& family = *static_cast<const HistogramFamily*>(entry.family);
        AppendHeader(out, name, family.help(), "histogram");
        family.ForEach([&](const std::vector<std::string>& values, const Histogram& histogram) {
          const Histogram::Snapshot snapshot = histogram.Read();
          std::string le;
          for (std::size_t i = 0; i <= snapshot.bounds.size(); ++i) {
            le.clear();
            if (i < snapshot.bounds.size()) {
              AppendNumber(le, snapshot.bounds[i]);
            } else {
              le = "+Inf";
            }
            AppendSeries(out, name, "_bucket", family.label_names(), values, &le);
            AppendInteger(out, snapshot.cumulative[i]);
            out.push_back('\n');
          }
          AppendSeries(out, name, "_sum", family.label_names(), values, nullptr);
          AppendNumber(out, snapshot.sum);
          out.push_back('\n');
          AppendSeries(out, name, "_count", family.label_names(), values, nullptr);
          AppendInteger(out, snapshot.count);
          out.push_back('\n');
        });
        break;
      }
    }
  }
  return out;
}

}  // namespace fanout
