"""Order saga: reserve inventory -> charge payment -> (pack) -> ship, compensated LIFO."""
