#pragma once
// DataLoader: batches of any Dataset (data/dataset.hpp) in the network's NHWC float layout,
// shuffled per epoch from a seed, optionally without the last partial batch, with random
// per-sample transforms, and with the next batch prepared on a background thread while the
// caller trains on the current one.
//
//   data::DataLoader loader(rectangles, {.batch = 2048, .seed = 1});
//   for (std::size_t epoch = 0; epoch < 25; ++epoch)
//       for (auto& batch : loader.epoch(epoch)) step(batch.x, batch.y);
//
// Every batch is a pure function of (dataset, options, epoch, batch number): the order of
// an epoch is a Fisher–Yates shuffle driven by Philox(seed, epoch), and a transform's random
// choices for a sample come from Philox(seed, epoch, sample index). Prefetching changes when
// a batch is made, never what it holds (a test checks it).
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iterator>
#include <mutex>
#include <span>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "latentlab/backend/cpu/cpu.hpp"
#include "latentlab/core/error.hpp"
#include "latentlab/core/random.hpp"
#include "latentlab/core/tensor.hpp"
#include "latentlab/data/dataset.hpp"
#include "latentlab/data/transforms.hpp"

namespace latentlab::data {

struct LoaderOptions {
    std::size_t batch = 32;
    bool shuffle = true;
    std::uint64_t seed = 0;
    bool drop_last = false;  // leave out the last batch when it would be smaller than `batch`
    bool prefetch = true;    // prepare the next batch on a background thread
    Cpu cpu{};               // threads for filling a batch
};

// The order of the samples in an epoch: the identity, or a Fisher–Yates shuffle seeded by
// (seed, epoch), so each epoch has its own order and any epoch can be replayed.
inline void epoch_order(std::vector<std::size_t>& order, std::size_t size, bool shuffle, std::uint64_t seed,
                        std::size_t epoch) {
    order.resize(size);
    for (std::size_t i = 0; i < size; ++i) order[i] = i;
    if (!shuffle) return;
    Rng rng(seed, epoch);
    for (std::size_t i = size; i > 1; --i) {
        const auto j = static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i) - 1));
        std::swap(order[i - 1], order[j]);
    }
}

template <Dataset D, SampleTransform<typename D::input_shape, typename D::target_shape>... Transforms>
class DataLoader {
public:
    using input_shape = typename D::input_shape;
    using target_shape = typename D::target_shape;

    // One batch: views into the loader's buffers, valid until the next batch is taken.
    struct Batch {
        ConstView<float, input_shape> x;
        ConstView<float, target_shape> y;
        std::span<const std::size_t> indices;  // the dataset indices of its samples
        std::size_t epoch = 0, number = 0;     // number: the batch's position in the epoch
    };

    // The dataset must outlive the loader.
    DataLoader(const D& dataset, LoaderOptions options, Transforms... transforms)
        : dataset_(&dataset), options_(options), transforms_(std::move(transforms)...) {
        require(options_.batch > 0, "DataLoader: the batch size must be positive");
        require(dataset_->size() > 0, "DataLoader: the dataset is empty");
        require(!options_.drop_last || dataset_->size() >= options_.batch, "DataLoader: drop_last with a batch of ",
                options_.batch, " leaves nothing of a dataset of ", dataset_->size(), " samples");
        std::apply([](const auto&... transform) { (check_transform(transform), ...); }, transforms_);
        const std::size_t capacity = std::min(options_.batch, dataset_->size());
        for (Slot& slot : slots_) {
            slot.x = HostTensor<float, input_shape>(capacity);
            slot.y = HostTensor<float, target_shape>(capacity);
        }
    }
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;
    ~DataLoader() { stop_worker(); }

    std::size_t size() const { return dataset_->size(); }
    const LoaderOptions& options() const { return options_; }
    std::size_t batches_per_epoch() const {
        const std::size_t n = dataset_->size(), b = options_.batch;
        return options_.drop_last ? n / b : (n + b - 1) / b;
    }

    // Restarts at batch `first_batch` of `epoch` (abandoning any batch in preparation); a
    // resumed training run starts mid-epoch.
    void start_epoch(std::size_t epoch, std::size_t first_batch = 0) {
        stop_worker();
        require(first_batch <= batches_per_epoch(), "DataLoader: batch ", first_batch, " of an epoch of ",
                batches_per_epoch(), " batches");
        epoch_ = epoch;
        next_number_ = first_batch;
        epoch_order(order_, dataset_->size(), options_.shuffle, options_.seed, epoch);
        if (options_.prefetch) {
            ready_ = false;
            failure_ = nullptr;
            worker_ = std::thread([this, first_batch] { work(first_batch); });
        }
    }

    // The next batch of the current epoch, or nullptr after its last one. An error raised
    // while filling a batch (also on the prefetch thread) is rethrown here.
    const Batch* next() {
        if (next_number_ >= batches_per_epoch()) {
            stop_worker();
            return nullptr;
        }
        const std::size_t number = next_number_;
        Slot& slot = slots_[number % 2];
        if (options_.prefetch) {
            std::unique_lock lock(mutex_);
            ++next_number_;  // under the lock: the worker's wait reads it
            changed_.wait(lock, [&] { return ready_ || failure_; });
            if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
            ready_ = false;
            // The worker goes on with the batch after this one, into the other slot.
            changed_.notify_all();
        } else {
            ++next_number_;
            make(number, slot);
        }
        current_ = {slot.x.view(), slot.y.view(), slot.indices, epoch_, number};
        current_.x.batch = current_.y.batch = slot.indices.size();
        return &current_;
    }

    // A range over the batches of one epoch: for (auto& batch : loader.epoch(e)) ...
    class EpochRange;
    EpochRange epoch(std::size_t epoch) {
        start_epoch(epoch);
        return EpochRange(*this);
    }

private:
    struct Slot {
        HostTensor<float, input_shape> x;
        HostTensor<float, target_shape> y;
        std::vector<std::size_t> indices;
    };

    template <class F>
    static void check_transform(const F& transform) {
        if constexpr (requires { transform.check(); }) transform.check();
    }

    // Fills `slot` with batch `number` of the current epoch: the dataset's samples, then
    // each transform on each sample.
    void make(std::size_t number, Slot& slot) const {
        const std::size_t first = number * options_.batch;
        const std::size_t count = std::min(options_.batch, order_.size() - first);
        slot.indices.assign(order_.begin() + static_cast<std::ptrdiff_t>(first),
                            order_.begin() + static_cast<std::ptrdiff_t>(first + count));
        TensorView<float, input_shape> x{slot.x.data(), count};
        TensorView<float, target_shape> y{slot.y.data(), count};
        dataset_->fill(std::span<const std::size_t>(slot.indices), x, y, FillContext{epoch_, options_.cpu});
        if constexpr (sizeof...(Transforms) > 0) {
            const std::size_t size = dataset_->size();
            cpu::parallel_for(options_.cpu, count, [&](std::size_t begin, std::size_t end, int) {
                for (std::size_t k = begin; k < end; ++k) {
                    // A stream per (epoch, sample): the same choices whatever the batch holds.
                    Rng rng(options_.seed ^ 0x7261'6E64'6F6D'0001ULL, epoch_ * size + slot.indices[k]);
                    TensorView<float, input_shape> xi{x.image(k), 1};
                    TensorView<float, target_shape> yi{y.image(k), 1};
                    std::apply([&](const auto&... transform) { (transform(xi, yi, rng), ...); }, transforms_);
                }
            });
        }
    }

    // The prefetch thread: makes batch after batch, at most one ahead of the consumer (two
    // slots: the consumer reads one while the worker fills the other).
    void work(std::size_t first_batch) {
        for (std::size_t number = first_batch; number < batches_per_epoch(); ++number) {
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return stopping_ || (!ready_ && next_number_ >= number); });
                if (stopping_) return;
            }
            try {
                make(number, slots_[number % 2]);
            } catch (...) {
                std::lock_guard lock(mutex_);
                failure_ = std::current_exception();
                changed_.notify_all();
                return;
            }
            std::lock_guard lock(mutex_);
            ready_ = true;
            changed_.notify_all();
        }
    }

    void stop_worker() {
        if (!worker_.joinable()) return;
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            changed_.notify_all();
        }
        worker_.join();
        stopping_ = false;
    }

    const D* dataset_;
    LoaderOptions options_;
    std::tuple<Transforms...> transforms_;
    std::vector<std::size_t> order_;
    Slot slots_[2];
    Batch current_{};
    std::size_t epoch_ = 0, next_number_ = 0;

    std::thread worker_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool ready_ = false, stopping_ = false;  // ready_: the worker's last batch awaits the consumer
    std::exception_ptr failure_;
};

template <Dataset D, SampleTransform<typename D::input_shape, typename D::target_shape>... Transforms>
class DataLoader<D, Transforms...>::EpochRange {
public:
    explicit EpochRange(DataLoader& loader) : loader_(&loader) {}

    class iterator {
    public:
        using value_type = Batch;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(DataLoader* loader) : loader_(loader), batch_(loader->next()) {}
        const Batch& operator*() const { return *batch_; }
        const Batch* operator->() const { return batch_; }
        iterator& operator++() {
            batch_ = loader_->next();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.batch_ == nullptr; }

    private:
        DataLoader* loader_ = nullptr;
        const Batch* batch_ = nullptr;
    };

    iterator begin() { return iterator(loader_); }
    std::default_sentinel_t end() { return {}; }

private:
    DataLoader* loader_;
};

}  // namespace latentlab::data
