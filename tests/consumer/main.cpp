#include <latentlab/latentlab.hpp>

int main() { return latentlab::Shape<2, 2, 1>::size == 4 ? 0 : 1; }
