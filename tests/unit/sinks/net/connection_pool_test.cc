// The shared connection pool, over scripted connections: slots, the waiting queue, the one retry
// on a stale connection, Abort.
#include "sinks/net/connection_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace fanout {
namespace {

struct FakeResult : TransportResult {
  std::string answer;
};

// Completes nothing by itself: the test answers each exchange with Complete().
class FakeConnection {
 public:
  using Clock = std::chrono::steady_clock;
  using Request = std::string;
  using Exchange = FakeResult;
  using Callback = std::function<void(FakeResult)>;

  explicit FakeConnection(int number) : id(number) {}

  void Send(const Request& request, Clock::time_point, Callback done) {
    sent.push_back(request);
    done_ = std::move(done);
  }
  void Open(Clock::time_point, Callback done) {
    opens++;
    open_ = true;
    done_ = std::move(done);
  }
  void Abort() {
    broken = true;
    if (done_) Complete(Aborted());
  }
  bool usable() const { return !broken; }
  bool open() const { return open_; }
  bool busy() const { return done_ != nullptr; }

  // Ends the exchange in flight with `result`.
  void Complete(FakeResult result) {
    if (result.error) broken = true;
    if (!result.error) {
      open_ = true;
      ++exchanges;
    }
    Callback done = std::move(done_);
    done_ = nullptr;
    done(std::move(result));
  }
  static FakeResult Aborted() {
    FakeResult result;
    MarkAborted(&result);
    return result;
  }

  int id;
  int opens = 0;
  int exchanges = 0;
  bool broken = false;
  std::vector<std::string> sent;

 private:
  bool open_ = false;
  Callback done_;
};

class ConnectionPoolTest : public ::testing::Test {
 protected:
  ConnectionPool<FakeConnection> pool_{
      2, [this] {
        auto connection = std::make_shared<FakeConnection>(static_cast<int>(made_.size()));
        made_.push_back(connection);
        return connection;
      }};
  std::vector<std::shared_ptr<FakeConnection>> made_;
  std::vector<std::string> answers_;

  ConnectionPool<FakeConnection>::Callback Record() {
    return
        [this](FakeResult result) { answers_.push_back(result.error ? "error" : result.answer); };
  }
  static FakeResult Answer(std::string text) {
    FakeResult result;
    result.answer = std::move(text);
    return result;
  }
  static FakeResult Stale() {
    FakeResult result;
    result.stage = NetStage::kRead;
    result.error = boost::asio::error::eof;
    result.reused_connection = true;
    return result;
  }
};

TEST_F(ConnectionPoolTest, RequestsBeyondTheSlotsWaitFirstComeFirstServed) {
  pool_.Submit("a", std::chrono::seconds(1), Record());
  pool_.Submit("b", std::chrono::seconds(1), Record());
  pool_.Submit("c", std::chrono::seconds(1), Record());
  ASSERT_EQ(made_.size(), 2u);
  EXPECT_EQ(made_[0]->sent, std::vector<std::string>{"a"});
  EXPECT_EQ(made_[1]->sent, std::vector<std::string>{"b"});
  made_[1]->Complete(Answer("B"));
  // The freed slot takes the waiting request on its (open) connection.
  EXPECT_EQ(made_[1]->sent, (std::vector<std::string>{"b", "c"}));
  made_[0]->Complete(Answer("A"));
  made_[1]->Complete(Answer("C"));
  EXPECT_EQ(answers_, (std::vector<std::string>{"B", "A", "C"}));
  EXPECT_EQ(made_.size(), 2u);
}

TEST_F(ConnectionPoolTest, AnOpenIdleConnectionIsPreferred) {
  pool_.Submit("a", std::chrono::seconds(1), Record());
  made_[0]->Complete(Answer("A"));
  pool_.Submit("b", std::chrono::seconds(1), Record());
  EXPECT_EQ(made_.size(), 1u);
  EXPECT_EQ(made_[0]->sent, (std::vector<std::string>{"a", "b"}));
}

TEST_F(ConnectionPoolTest, AStaleConnectionIsRetriedOnceOnANewOne) {
  pool_.Submit("a", std::chrono::seconds(1), Record());
  made_[0]->Complete(Answer("A"));
  pool_.Submit("b", std::chrono::seconds(1), Record());
  made_[0]->Complete(Stale());
  ASSERT_EQ(made_.size(), 2u);  // the broken connection was replaced in its slot
  EXPECT_EQ(made_[1]->sent, std::vector<std::string>{"b"});
  EXPECT_TRUE(answers_.size() == 1u);
  made_[1]->Complete(Stale());  // a second stale failure is answered, not retried again
  EXPECT_EQ(answers_, (std::vector<std::string>{"A", "error"}));
  EXPECT_EQ(made_.size(), 2u);
}

TEST_F(ConnectionPoolTest, ConnectOpensOneConnectionUnlessOneIsOpen) {
  pool_.Connect(std::chrono::seconds(1), Record());
  ASSERT_EQ(made_.size(), 1u);
  EXPECT_EQ(made_[0]->opens, 1);
  made_[0]->Complete(Answer("open"));
  pool_.Connect(std::chrono::seconds(1), Record());
  EXPECT_EQ(made_[0]->opens, 1);
  EXPECT_EQ(answers_, (std::vector<std::string>{"open", ""}));
}

TEST_F(ConnectionPoolTest, AbortAnswersEverythingCancelledAndLaterCallsToo) {
  std::vector<bool> cancelled;
  auto record = [&](FakeResult result) { cancelled.push_back(IsCancelled(result.error)); };
  pool_.Submit("a", std::chrono::seconds(1), record);
  pool_.Submit("b", std::chrono::seconds(1), record);
  pool_.Submit("c", std::chrono::seconds(1), record);
  pool_.Abort();
  EXPECT_EQ(cancelled, (std::vector<bool>{true, true, true}));
  pool_.Submit("d", std::chrono::seconds(1), record);
  EXPECT_EQ(cancelled.size(), 4u);
  EXPECT_TRUE(cancelled.back());
  EXPECT_EQ(made_.size(), 2u);  // nothing new was opened
}

}  // namespace
}  // namespace fanout
