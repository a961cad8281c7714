// Template: a compiled key/name template such as "customer:{id}" or "{table}:{key.id}".
//
// Placeholders (the field rules of field_ref.h):
//   {after.x} {before.x} {key.x}     column x of that image
//   {x}                              bare column: after, then before, then key -- or, with
//                                    Render(event, image, out), column x of that image only
//   {op} {table} {schema} {database} {topic} {connector}   event attributes
// "{{" and "}}" are literal braces; a lone '}' is an error.
//
// Values render as their natural text: ints in decimal, doubles in shortest round-trip form,
// bools as true/false, strings raw, JSON as its compact text, other kinds as their text().
//
// A placeholder that cannot be filled -- the image or column is absent, the value is null or
// unchanged TOAST, or the attribute is empty -- makes Render return InvalidArgument naming the
// placeholder ("placeholder {before.email}: ..."); the engine treats that as a bad record for
// that route only. On error *out is restored to its length before the call.
//
// Immutable after CompileTemplate; Render is const and safe from any thread. It appends to
// *out and allocates only if *out must grow.
#ifndef FANOUT_PROCESSOR_ROUTE_TEMPLATE_H_
#define FANOUT_PROCESSOR_ROUTE_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "processor/core/change_event.h"
#include "processor/core/status.h"
#include "processor/route/field_ref.h"

namespace fanout {

class Template {
 public:
  // Which image bare {x} placeholders read.
  enum class Image : std::uint8_t {
    kDefault,  // after, then before, then key
    kBefore,
    kAfter,  // with the after-image TOAST rule of field_ref.h
  };

  Template() = default;  // renders ""

  Status Render(const ChangeEvent& event, std::string* out) const {
    return Render(event, Image::kDefault, out);
  }
  // E.g. a cache invalidation renders "customer:email:{email}" once with kBefore and once with
  // kAfter, so a changed email invalidates both the old and the new key.
  Status Render(const ChangeEvent& event, Image image, std::string* out) const;
  // Render without the reason: false (and *out as it was) where Render returns an error. For
  // callers that try several images and only need a reason when all of them fail, since
  // building one costs allocations on every event that lacks a before image.
  bool TryRender(const ChangeEvent& event, Image image, std::string* out) const;

  // How RenderEscaped writes each piece of the output, for a destination where a value must stay
  // data (an HTTP path segment: a row's "a/../b" must not become two segments). `literal` writes
  // the template's own text, `value` each placeholder's value; `value` may refuse a value with
  // InvalidArgument saying why, which fails the render as an unfillable placeholder does.
  struct Escaper {
    void (*literal)(std::string_view text, std::string* out);
    Status (*value)(std::string_view text, std::string* out);
  };
  // Render through `escaper`. Errors name the placeholder, as Render's do, and leave *out as it
  // was.
  Status RenderEscaped(const ChangeEvent& event, Image image, const Escaper& escaper,
                       std::string* out) const;

  // The source text as configured.
  const std::string& text() const { return text_; }
  // No placeholders: every event renders constant().
  bool is_constant() const { return placeholders_ == 0; }
  std::string_view constant() const;  // the literal text with escapes resolved, if is_constant()
  // Some placeholder is a bare {x}, so the image passed to Render matters.
  bool has_bare_columns() const { return has_bare_columns_; }

 private:
  friend Result<Template> CompileTemplate(std::string_view, std::size_t*);

  struct Segment {
    bool is_placeholder = false;
    std::string literal{};  // literal text, or the placeholder as written ("{after.email}")
    FieldRef field{};
  };
  static FieldSource SourceFor(const FieldRef& field, Image image);
  // Appends the placeholder's text; false when it cannot be filled (nothing appended).
  static bool AppendPlaceholder(const Segment& segment, const ChangeEvent& event, Image image,
                                std::string* out);
  // Why AppendPlaceholder failed for `segment`.
  static Status Unfillable(const Segment& segment, const ChangeEvent& event, Image image);

  std::string text_;
  std::vector<Segment> segments_;
  std::size_t placeholders_ = 0;
  bool has_bare_columns_ = false;
};

// Compiles a template. InvalidArgument "at character N: ..." (N 1-based) for an unclosed '{',
// a lone '}', an empty placeholder, whitespace in a placeholder or an unknown prefix
// ("{foo.x}"); `error_offset`, when given, receives the 0-based byte offset.
Result<Template> CompileTemplate(std::string_view text, std::size_t* error_offset = nullptr);

// Appends the natural text of a non-null, non-unchanged value.
void AppendValueText(const Value& value, std::string* out);

}  // namespace fanout

#endif  // FANOUT_PROCESSOR_ROUTE_TEMPLATE_H_
