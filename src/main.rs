fn main() {
    println!("radscore {}", env!("CARGO_PKG_VERSION"));
}
