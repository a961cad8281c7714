// libFuzzer target for templates (processor/route/template.h): CompileTemplate of any text,
// then Render against every event of fuzz_events.h and the record decoded from the input. Build
// and run: tests/fuzz/README.md.
//
// Input: the template text, optionally followed by a NUL byte and a Debezium record value (and
// another NUL and its key) to render against as well.
//
// Aborts when
//   - a compile error is not InvalidArgument "at character N: ..." with N - 1 the reported
//     offset inside the text;
//   - the text with every brace doubled does not compile to a constant equal to the text;
//   - a constant template renders anything but constant(), or constant() is not the text with
//     "{{" and "}}" folded;
//   - Render and TryRender disagree (result or output), a failed render changes *out, or its
//     error is not InvalidArgument "placeholder {...}: ...";
//   - a template without bare {x} placeholders renders differently for different images.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "processor/route/template.h"
#include "tests/fuzz/fuzz_events.h"

namespace {

using fanout::ChangeEvent;
using fanout::Template;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string DoubleBraces(std::string_view text) {
  std::string out;
  for (char c : text) {
    out.push_back(c);
    if (c == '{' || c == '}') out.push_back(c);
  }
  return out;
}

// What a placeholder-free template is made of: the text with "{{" and "}}" folded.
std::string FoldBraces(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out.push_back(text[i]);
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) ++i;
  }
  return out;
}

struct Rendered {
  bool ok = false;
  std::string out;
};

Rendered RenderChecked(const Template& compiled, const ChangeEvent& event, Template::Image image) {
  const std::string prefix = "prefix:";
  std::string out = prefix;
  const fanout::Status status = compiled.Render(event, image, &out);
  std::string tried = prefix;
  const bool tried_ok = compiled.TryRender(event, image, &tried);
  Check(status.ok() == tried_ok);
  Check(out == tried);
  Check(StartsWith(out, prefix));
  if (!status.ok()) {
    Check(out == prefix);
    Check(status.code() == fanout::StatusCode::kInvalidArgument);
    Check(StartsWith(status.message(), "placeholder {"));
    return {};
  }
  if (compiled.is_constant()) Check(out == prefix + std::string(compiled.constant()));
  return {true, out.substr(prefix.size())};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fanout::fuzz::Input input = fanout::fuzz::SplitInput(data, size);
  const std::string_view text = input.expression;

  // Any text with its braces doubled is a constant template of exactly that text.
  fanout::Result<Template> escaped = fanout::CompileTemplate(DoubleBraces(text));
  Check(escaped.ok() && escaped->is_constant() && escaped->constant() == text);

  std::size_t offset = static_cast<std::size_t>(-1);
  fanout::Result<Template> compiled = fanout::CompileTemplate(text, &offset);
  if (!compiled.ok()) {
    Check(compiled.status().code() == fanout::StatusCode::kInvalidArgument);
    Check(offset < text.size());
    Check(StartsWith(compiled.status().message(),
                     "at character " + std::to_string(offset + 1) + ": "));
    return 0;
  }
  Check(compiled->text() == text);
  if (compiled->is_constant()) Check(compiled->constant() == FoldBraces(text));

  ChangeEvent decoded;
  const bool have_decoded = fanout::fuzz::DecodeEvent(input.value, input.key, &decoded);
  auto render_all = [&](const ChangeEvent& event) {
    const Rendered by_default = RenderChecked(*compiled, event, Template::Image::kDefault);
    const Rendered before = RenderChecked(*compiled, event, Template::Image::kBefore);
    const Rendered after = RenderChecked(*compiled, event, Template::Image::kAfter);
    if (!compiled->has_bare_columns()) {
      Check(by_default.ok == before.ok && before.ok == after.ok);
      Check(by_default.out == before.out && before.out == after.out);
    }
  };
  for (const ChangeEvent& event : fanout::fuzz::FixedEvents()) render_all(event);
  if (have_decoded) render_all(decoded);
  return 0;
}
