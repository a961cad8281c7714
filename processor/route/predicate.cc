#include "processor/route/predicate.h"

namespace fanout {

std::string_view Predicate::text() const { return impl_ ? std::string_view(impl_->text) : ""; }

bool Predicate::Evaluate(const ChangeEvent& event) const {
  return impl_ == nullptr || EvaluateNode(impl_->root, event);
}

Scalar Predicate::EvaluateOperand(std::uint32_t index, const ChangeEvent& event) const {
  const Operand& operand = impl_->operands[index];
  if (operand.is_literal) return operand.literal;
  if (operand.field.is_column()) {
    return ScalarOf(ResolveColumn(event, operand.field.source, operand.field.column));
  }
  return Scalar::String(ResolveAttribute(event, operand.field.source));
}

bool Predicate::EvaluateNode(std::uint32_t index, const ChangeEvent& event) const {
  const Node& node = impl_->nodes[index];
  switch (node.kind) {
    case Node::Kind::kConst:
      return node.value;
    case Node::Kind::kAnd:
      return EvaluateNode(node.a, event) && EvaluateNode(node.b, event);
    case Node::Kind::kOr:
      return EvaluateNode(node.a, event) || EvaluateNode(node.b, event);
    case Node::Kind::kNot:
      return !EvaluateNode(node.a, event);
    case Node::Kind::kCompare:
      return CompareScalars(EvaluateOperand(node.a, event), node.op,
                            EvaluateOperand(node.b, event));
    case Node::Kind::kIn: {
      const Scalar value = EvaluateOperand(node.a, event);
      for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
        if (CompareScalars(value, CompareOp::kEq, EvaluateOperand(i, event))) return true;
      }
      return false;
    }
    case Node::Kind::kExists: {
      const Scalar value = EvaluateOperand(node.a, event);
      return value.type != Scalar::Type::kNull;
    }
    case Node::Kind::kChanged:
      return ColumnsChanged(event, impl_->columns, node.first, node.count);
  }
  return false;
}

bool ColumnsChanged(const ChangeEvent& event, const std::vector<std::string>& columns,
                    std::size_t first, std::size_t count) {
  if (!event.before || !event.after) return true;
  for (std::size_t i = first; i < first + count; ++i) {
    const Value* before = FindColumn(*event.before, columns[i]);
    const Value* after = FindColumn(*event.after, columns[i]);
    if (before == nullptr && after == nullptr) continue;
    if (before == nullptr || after == nullptr) return true;
    if (before->kind() == Value::Kind::kUnchanged || after->kind() == Value::Kind::kUnchanged) {
      continue;
    }
    if (!(*before == *after)) return true;
  }
  return false;
}

}  // namespace fanout
