// DataLoader, transforms and RandomPatches against a dataset whose every value names its
// sample, row, column and channel, so any misplaced value is detected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <set>
#include <span>
#include <stdexcept>
#include <vector>

#include "latentlab/data/loader.hpp"
#include "latentlab/data/image_dataset.hpp"
#include "latentlab/data/patches.hpp"
#include "latentlab/data/rectangles.hpp"

using namespace latentlab;
using namespace latentlab::data;

namespace {

// x(i, r, c, ch) = 1 + i·1000 + (r·W + c)·C + ch (plus 0.5 after epoch 0, to see the epoch);
// the target is channel 0 of the input, a "segmentation" of the same height and width.
struct Numbered {
    using input_shape = Shape<6, 5, 2>;
    using target_shape = Shape<6, 5, 1>;
    std::size_t count = 10;
    std::size_t fail_at = static_cast<std::size_t>(-1);  // an index whose fill throws

    std::size_t size() const { return count; }
    static float value(std::size_t i, int r, int c, int ch, std::size_t epoch) {
        return 1.0f + static_cast<float>(i) * 1000.0f + static_cast<float>((r * 5 + c) * 2 + ch) +
               (epoch > 0 ? 0.5f : 0.0f);
    }
    void fill(std::span<const std::size_t> indices, TensorView<float, input_shape> x,
              TensorView<float, target_shape> y, const FillContext& context) const {
        for (std::size_t k = 0; k < indices.size(); ++k) {
            if (indices[k] == fail_at) throw Error("Numbered: cannot make sample " + std::to_string(fail_at));
            for (int r = 0; r < 6; ++r)
                for (int c = 0; c < 5; ++c) {
                    for (int ch = 0; ch < 2; ++ch) x(k, r, c, ch) = value(indices[k], r, c, ch, context.epoch);
                    y(k, r, c, 0) = x(k, r, c, 0);
                }
        }
    }
};
static_assert(Dataset<Numbered>);

template <class Loader>
std::vector<std::vector<float>> collect(Loader& loader, std::size_t epoch) {
    std::vector<std::vector<float>> batches;
    for (const auto& batch : loader.epoch(epoch)) {
        std::vector<float> values(batch.x.data, batch.x.data + batch.x.size());
        values.insert(values.end(), batch.y.data, batch.y.data + batch.y.size());
        batches.push_back(std::move(values));
    }
    return batches;
}

}  // namespace

TEST_CASE("DataLoader visits every sample once per epoch in a seeded order", "[data][loader]") {
    const Numbered data{.count = 10};
    DataLoader loader(data, {.batch = 4, .shuffle = true, .seed = 7, .prefetch = false});
    CHECK(loader.batches_per_epoch() == 3);

    std::vector<std::vector<std::size_t>> orders;
    for (std::size_t epoch = 0; epoch < 3; ++epoch) {
        std::vector<std::size_t> order, sizes;
        for (const auto& batch : loader.epoch(epoch)) {
            CHECK(batch.epoch == epoch);
            CHECK(batch.number == sizes.size());
            sizes.push_back(batch.indices.size());
            REQUIRE(batch.x.batch == batch.indices.size());
            for (std::size_t k = 0; k < batch.indices.size(); ++k) {
                order.push_back(batch.indices[k]);
                // the batch holds exactly the samples its indices name
                CHECK(batch.x(k, 2, 3, 1) == Numbered::value(batch.indices[k], 2, 3, 1, epoch));
                CHECK(batch.y(k, 5, 4, 0) == Numbered::value(batch.indices[k], 5, 4, 0, epoch));
            }
        }
        CHECK(sizes == std::vector<std::size_t>{4, 4, 2});
        CHECK(std::set<std::size_t>(order.begin(), order.end()).size() == 10);
        orders.push_back(order);
    }
    CHECK(orders[0] != orders[1]);  // a new order each epoch
    CHECK(orders[1] != orders[2]);

    DataLoader again(data, {.batch = 3, .shuffle = true, .seed = 7, .prefetch = false});
    std::vector<std::size_t> replay;
    for (const auto& batch : again.epoch(1)) replay.insert(replay.end(), batch.indices.begin(), batch.indices.end());
    CHECK(replay == orders[1]);  // the order depends on (seed, epoch), not on the batch size

    DataLoader plain(data, {.batch = 4, .shuffle = false, .drop_last = true, .prefetch = false});
    CHECK(plain.batches_per_epoch() == 2);
    std::vector<std::size_t> identity;
    for (const auto& batch : plain.epoch(0)) identity.insert(identity.end(), batch.indices.begin(), batch.indices.end());
    CHECK(identity == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("Prefetching gives the same batches as filling on demand", "[data][loader]") {
    const Numbered data{.count = 23};
    const LoaderOptions options{.batch = 5, .shuffle = true, .seed = 3, .cpu = Cpu{2}};
    LoaderOptions eager = options, ahead = options;
    eager.prefetch = false;
    ahead.prefetch = true;
    DataLoader on_demand(data, eager, RandomFlip{.horizontal = true, .vertical = true}, RandomCrop{.padding = 2});
    DataLoader prefetched(data, ahead, RandomFlip{.horizontal = true, .vertical = true}, RandomCrop{.padding = 2});
    for (std::size_t epoch = 0; epoch < 3; ++epoch) {
        const auto expected = collect(on_demand, epoch);
        CHECK(expected.size() == 5);
        CHECK(collect(prefetched, epoch) == expected);
    }
    // Leaving an epoch early and starting another is safe (the worker is stopped and restarted).
    prefetched.start_epoch(4);
    REQUIRE(prefetched.next() != nullptr);
    CHECK(collect(prefetched, 1) == collect(on_demand, 1));
}

TEST_CASE("A dataset error on the prefetch thread reaches the caller", "[data][loader]") {
    const Numbered data{.count = 8, .fail_at = 6};
    DataLoader loader(data, {.batch = 4, .shuffle = false, .prefetch = true});
    loader.start_epoch(0);
    REQUIRE(loader.next() != nullptr);
    CHECK_THROWS_WITH(loader.next(), Catch::Contains("cannot make sample 6"));
}

TEST_CASE("DataLoader rejects impossible options", "[data][loader][errors]") {
    const Numbered data{.count = 5};
    const Numbered empty{.count = 0};
    CHECK_THROWS_WITH(DataLoader(data, {.batch = 0}), Catch::Contains("batch size must be positive"));
    CHECK_THROWS_WITH(DataLoader(empty, {.batch = 2}), Catch::Contains("dataset is empty"));
    CHECK_THROWS_WITH(DataLoader(data, {.batch = 8, .drop_last = true}), Catch::Contains("leaves nothing"));
    CHECK_THROWS_WITH(DataLoader(data, {.batch = 2}, RandomCrop{.padding = -1}), Catch::Contains("non-negative"));
    CHECK_THROWS_WITH(DataLoader(data, {.batch = 2}, RandomFlip{.probability = 1.5}), Catch::Contains("[0, 1]"));
}

TEST_CASE("RandomFlip mirrors the image and a spatial target together", "[data][transforms]") {
    const Numbered data{.count = 1};
    HostTensor<float, Numbered::input_shape> x(1);
    HostTensor<float, Numbered::target_shape> y(1);
    const std::size_t index = 0;
    data.fill(std::span<const std::size_t>(&index, 1), x.view(), y.view(), {});
    Rng rng(1);
    RandomFlip{.horizontal = true, .vertical = true, .probability = 1.0}(x.view(), y.view(), rng);
    for (int r = 0; r < 6; ++r)
        for (int c = 0; c < 5; ++c) {
            for (int ch = 0; ch < 2; ++ch) CHECK(x(0, r, c, ch) == Numbered::value(0, 5 - r, 4 - c, ch, 0));
            CHECK(y(0, r, c, 0) == x(0, r, c, 0));
        }
    Rng never(1);
    RandomFlip{.probability = 0.0}(x.view(), y.view(), never);
    CHECK(x(0, 0, 0, 0) == Numbered::value(0, 5, 4, 0, 0));  // unchanged
}

TEST_CASE("RandomCrop shifts by the drawn offset and brings in zeros", "[data][transforms]") {
    const Numbered data{.count = 1};
    const std::size_t index = 0;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        HostTensor<float, Numbered::input_shape> x(1);
        HostTensor<float, Numbered::target_shape> y(1);
        data.fill(std::span<const std::size_t>(&index, 1), x.view(), y.view(), {});
        Rng rng(seed), replay(seed);
        RandomCrop{.padding = 3}(x.view(), y.view(), rng);
        const int dy = static_cast<int>(replay.uniform_int(-3, 3)), dx = static_cast<int>(replay.uniform_int(-3, 3));
        for (int r = 0; r < 6; ++r)
            for (int c = 0; c < 5; ++c) {
                const int sr = r - dy, sc = c - dx;
                const bool inside = sr >= 0 && sr < 6 && sc >= 0 && sc < 5;
                for (int ch = 0; ch < 2; ++ch)
                    CHECK(x(0, r, c, ch) == (inside ? Numbered::value(0, sr, sc, ch, 0) : 0.0f));
                CHECK(y(0, r, c, 0) == x(0, r, c, 0));
            }
    }
}

TEST_CASE("RandomPatches cuts fixed, in-bounds patches that are their own targets", "[data][patches]") {
    const Numbered images{.count = 4};
    const RandomPatches<Numbered, 3> patches(images, 50, 11);
    CHECK(patches.size() == 50);
    std::vector<std::size_t> indices(50);
    for (std::size_t i = 0; i < 50; ++i) indices[i] = 49 - i;
    HostTensor<float, Shape<3, 3, 2>> x(50), y(50);
    patches.fill(indices, x.view(), y.view(), {.epoch = 0, .cpu = Cpu{2}});
    std::set<std::pair<int, int>> corners;
    for (std::size_t k = 0; k < 50; ++k) {
        const auto at = patches.origin(indices[k]);
        CHECK(at.image == indices[k] % 4);
        REQUIRE(at.row >= 0);
        REQUIRE(at.row <= 3);
        REQUIRE(at.col >= 0);
        REQUIRE(at.col <= 2);
        corners.insert({at.row, at.col});
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c)
                for (int ch = 0; ch < 2; ++ch) {
                    CHECK(x(k, r, c, ch) == Numbered::value(at.image, at.row + r, at.col + c, ch, 0));
                    CHECK(y(k, r, c, ch) == x(k, r, c, ch));
                }
    }
    CHECK(corners.size() > 6);  // positions vary (12 possible)
    const std::size_t past = 50;
    CHECK_THROWS_WITH(patches.fill(std::span<const std::size_t>(&past, 1), TensorView<float, Shape<3, 3, 2>>{x.data(), 1},
                                   TensorView<float, Shape<3, 3, 2>>{y.data(), 1}, {}),
                      Catch::Contains("past the 50 patches"));
}

TEST_CASE("DataLoader batches the rectangles with their preprocessing", "[data][loader][rectangles]") {
    const Rectangles data({.count = 9, .seed = 5}, Preprocess{.mode = PreprocessMode::unit});
    static_assert(Dataset<Rectangles>);
    DataLoader loader(data, {.batch = 4, .seed = 2, .prefetch = true, .cpu = Cpu{2}});
    std::size_t seen = 0;
    for (const auto& batch : loader.epoch(0)) {
        for (std::size_t k = 0; k < batch.indices.size(); ++k, ++seen) {
            const Sample sample = data.sample(batch.indices[k]);
            for (int r = 0; r < 64; r += 7)
                for (int c = 0; c < 64; c += 5) {
                    CHECK(batch.x(k, r, c, 1) == static_cast<float>(sample.image(r, c, 1)) / 255.0f);
                    CHECK(batch.y(k, r, c, sample.mask(r, c)) == 1.0f);
                }
        }
    }
    CHECK(seen == 9);
}

TEST_CASE("ImageDataset scales an image set and makes one-hot or identity targets", "[data][images]") {
    ImageSet set;
    set.images = xt::xtensor<std::uint8_t, 4>::from_shape({5, 4, 3, 2});
    for (std::size_t i = 0; i < set.images.size(); ++i) set.images.data()[i] = static_cast<std::uint8_t>(i * 7 % 256);
    set.labels = xt::xtensor<std::int32_t, 1>({2, 0, 1, 2, 1});
    using S = Shape<4, 3, 2>;

    const ImageDataset<S, OneHotLabels<3>> classes(set, PixelRange::symmetric);
    static_assert(Dataset<ImageDataset<S, OneHotLabels<3>>>);
    const std::vector<std::size_t> indices{4, 0, 3};
    HostTensor<float, S> x(3);
    HostTensor<float, Shape<1, 1, 3>> y(3);
    classes.fill(indices, x.view(), y.view(), {.epoch = 0, .cpu = Cpu{2}});
    for (std::size_t k = 0; k < 3; ++k) {
        for (int c = 0; c < 3; ++c) CHECK(y(k, 0, 0, c) == (c == set.labels(indices[k]) ? 1.0f : 0.0f));
        CHECK(x(k, 3, 2, 1) == Approx(set.images(indices[k], 3, 2, 1) / 127.5 - 1.0));
    }

    const ImageDataset<S, SameAsInput> autoencoder(set);
    HostTensor<float, S> xa(3), ya(3);
    autoencoder.fill(indices, xa.view(), ya.view());
    for (std::size_t i = 0; i < xa.size(); ++i) CHECK(ya.data()[i] == xa.data()[i]);
    CHECK(xa(1, 2, 1, 0) == Approx(set.images(0, 2, 1, 0) / 255.0));

    CHECK_THROWS_WITH((ImageDataset<Shape<4, 4, 2>, SameAsInput>(set)), Catch::Contains("images are 4x3x2"));
    CHECK_THROWS_WITH((ImageDataset<S, OneHotLabels<2>>(set)), Catch::Contains("label 2 of image 0"));
    ImageSet unlabelled;
    unlabelled.images = set.images;
    CHECK_THROWS_WITH((ImageDataset<S, OneHotLabels<3>>(unlabelled)), Catch::Contains("0 labels"));
    const std::vector<std::size_t> past{5};
    CHECK_THROWS_WITH(autoencoder.fill(past, TensorView<float, S>{xa.data(), 1}, TensorView<float, S>{ya.data(), 1}),
                      Catch::Contains("past the 5 images"));
}
