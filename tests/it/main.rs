mod golden;
mod purity;
