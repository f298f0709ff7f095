//! One dense layer, f32 (candle's matmul, one thread) versus `QuantizedLinear` (one thread),
//! on the shapes of all-MiniLM-L6-v2's layers for 32 inputs of 12 tokens (what each of two
//! workers gets of a batch of 64). `cargo run --release -p pgml-nlp --example dense_bench`.
use candle_core::{Device, Tensor};
use pgml_nlp::quantized::QuantizedLinear;
use std::time::Instant;

fn main() -> candle_core::Result<()> {
    // One thread for candle's matrix products (gemm runs on rayon's global pool, made on first
    // use). SAFETY: set before any thread starts.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    let rows = 384;
    for (inputs, outputs) in [(384usize, 1152usize), (384, 384), (384, 1536), (1536, 384)] {
        let x = Tensor::randn(0f32, 1.0, (rows, inputs), &Device::Cpu)?;
        let w = Tensor::randn(0f32, 0.05, (outputs, inputs), &Device::Cpu)?;
        let b = Tensor::zeros(outputs, candle_core::DType::F32, &Device::Cpu)?;
        let linear = candle_nn::Linear::new(w.clone(), Some(b.clone()));
        let layer = QuantizedLinear::new(
            &w.flatten_all()?.to_vec1::<f32>()?,
            Some(&b.to_vec1::<f32>()?),
            outputs,
            inputs,
        )
        .map_err(candle_core::Error::Msg)?;
        let xs = x.flatten_all()?.to_vec1::<f32>()?;
        let reps = 30;
        let time = |f: &mut dyn FnMut()| {
            f();
            let start = Instant::now();
            for _ in 0..reps {
                f();
            }
            start.elapsed().as_secs_f64() / reps as f64
        };
        let f32_time = time(&mut || {
            std::hint::black_box(candle_core::Module::forward(&linear, &x).ok());
        });
        let int_time = time(&mut || {
            std::hint::black_box(layer.forward(&xs));
        });
        let gmac = (rows * inputs * outputs) as f64 / 1e9;
        println!(
            "{rows}x{inputs}x{outputs}: f32 {:.2} ms ({:.1} GFLOP/s), int16 {:.2} ms ({:.1} GOP/s), {:.2}x",
            f32_time * 1e3,
            2.0 * gmac / f32_time,
            int_time * 1e3,
            2.0 * gmac / int_time,
            f32_time / int_time
        );
    }
    Ok(())
}
