//! The BERT encoder for sentence embeddings (inference only), after candle-transformers'
//! `models::bert` (MIT / Apache-2.0; same weights, same `config.json`), with three changes for
//! speed on CPUs, measured with `bench/embed.sh`:
//! - query, key and value come from one matrix product (weights concatenated at load), so
//!   each layer packs its input once instead of three times;
//! - attention probabilities come from candle's fused last-dimension softmax;
//! - GELU's `erf` is a branch-free rational approximation (Abramowitz & Stegun 7.1.28,
//!   absolute error 3e-7, about 1.4e-6 evaluated in f32) that the compiler vectorises, where the exact scalar `erf`
//!   took about a seventh of the encoder's time.

use crate::device::ComputeDevice;
use crate::quantized::QuantizedLinear;
use candle_core::{CpuStorage, CustomOp1, DType, Layout, Module, Result, Shape, Tensor};
use candle_nn::{embedding, layer_norm, Embedding, LayerNorm, Linear, VarBuilder};
use candle_transformers::models::bert::{Config, HiddenAct};

/// How the dense layers multiply: in f32 (candle), or in 16-bit integers (see `quantized`:
/// about 1.4x faster on AVX2 CPUs, embeddings within 1e-4 cosine of f32's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Precision {
    Float32,
    Int16,
}

impl Precision {
    /// 16-bit integers on CPUs with AVX2, f32 everywhere else (GPUs, older CPUs).
    pub fn fastest(device: ComputeDevice) -> Self {
        if device.is_cpu() && crate::quantized::available() {
            Precision::Int16
        } else {
            Precision::Float32
        }
    }
}

/// A dense layer in the encoder's chosen precision.
enum Dense {
    Float(Linear),
    Int(QuantizedLinear),
}

impl Dense {
    fn new(weight: Tensor, bias: Tensor, precision: Precision) -> Result<Self> {
        Ok(match precision {
            Precision::Float32 => Dense::Float(Linear::new(weight, Some(bias))),
            Precision::Int16 => {
                let (outputs, inputs) = weight.dims2()?;
                let weight = weight.flatten_all()?.to_vec1::<f32>()?;
                let bias = bias.to_vec1::<f32>()?;
                Dense::Int(
                    QuantizedLinear::new(&weight, Some(&bias), outputs, inputs)
                        .map_err(candle_core::Error::Msg)?,
                )
            }
        })
    }

    fn load(vb: VarBuilder, inputs: usize, outputs: usize, precision: Precision) -> Result<Self> {
        let weight = vb.get((outputs, inputs), "weight")?;
        let bias = vb.get(outputs, "bias")?;
        Dense::new(weight, bias, precision)
    }

    fn bytes(&self) -> usize {
        match self {
            Dense::Float(linear) => {
                tensor_bytes(linear.weight()) + linear.bias().map_or(0, tensor_bytes)
            }
            Dense::Int(layer) => layer.bytes(),
        }
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Dense::Float(linear) => linear.forward(x),
            Dense::Int(layer) => x.apply_op1_no_bwd(layer),
        }
    }
}

impl CustomOp1 for QuantizedLinear {
    fn name(&self) -> &'static str {
        "pgml-dense-int16"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        dense_cpu_fwd(self, storage, layout, |v| v)
    }
}

/// The values of a contiguous f32 tensor on the CPU, as our custom ops take them.
fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(values) = storage else {
        return Err(candle_core::Error::Msg(format!("{op}: f32 tensors only")));
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        return Err(candle_core::Error::Msg(format!(
            "{op}: contiguous tensors only"
        )));
    };
    Ok(&values[start..end])
}

/// An integer dense layer on candle's CPU storage, `then` applied to each output.
fn dense_cpu_fwd(
    layer: &QuantizedLinear,
    storage: &CpuStorage,
    layout: &Layout,
    then: impl Fn(f32) -> f32 + Copy,
) -> Result<(CpuStorage, Shape)> {
    let values = contiguous_f32(storage, layout, "dense")?;
    let mut dims = layout.shape().dims().to_vec();
    if dims.last() != Some(&layer.inputs()) {
        return Err(candle_core::Error::Msg(format!(
            "dense: input {:?} for {} inputs",
            dims,
            layer.inputs()
        )));
    }
    let out = layer.forward_then(values, then);
    if let Some(last) = dims.last_mut() {
        *last = layer.outputs();
    }
    Ok((CpuStorage::F32(out), Shape::from(dims)))
}

/// Token, position and segment embeddings, summed and normalised.
struct Embeddings {
    words: Embedding,
    positions: Embedding,
    segments: Embedding,
    norm: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        Ok(Embeddings {
            words: embedding(
                config.vocab_size,
                config.hidden_size,
                vb.pp("word_embeddings"),
            )?,
            positions: embedding(
                config.max_position_embeddings,
                config.hidden_size,
                vb.pp("position_embeddings"),
            )?,
            segments: embedding(
                config.type_vocab_size,
                config.hidden_size,
                vb.pp("token_type_embeddings"),
            )?,
            norm: layer_norm(
                config.hidden_size,
                config.layer_norm_eps,
                vb.pp("LayerNorm"),
            )?,
        })
    }

    fn forward(&self, ids: &Tensor, segment_ids: &Tensor) -> Result<Tensor> {
        let (_, tokens) = ids.dims2()?;
        let positions = Tensor::arange(0u32, tokens as u32, ids.device())?;
        let summed = (self.words.forward(ids)? + self.segments.forward(segment_ids)?)?
            .broadcast_add(&self.positions.forward(&positions)?)?;
        self.norm.forward(&summed)
    }
}

/// One transformer layer: self-attention, then the feed-forward block, each with a residual
/// connection and layer normalisation (post-norm, as BERT does).
struct Layer {
    qkv: Dense,
    heads: usize,
    head_dim: usize,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    activation: HiddenAct,
    output: Dense,
    output_norm: LayerNorm,
}

impl Layer {
    fn load(vb: VarBuilder, config: &Config, precision: Precision) -> Result<Self> {
        let hidden = config.hidden_size;
        let attention = vb.pp("attention");
        let projections = attention.pp("self");
        let part = |name: &str| -> Result<(Tensor, Tensor)> {
            let p = projections.pp(name);
            Ok((p.get((hidden, hidden), "weight")?, p.get(hidden, "bias")?))
        };
        let (q, k, v) = (part("query")?, part("key")?, part("value")?);
        let qkv = Dense::new(
            Tensor::cat(&[&q.0, &k.0, &v.0], 0)?,
            Tensor::cat(&[&q.1, &k.1, &v.1], 0)?,
            precision,
        )?;
        let output = attention.pp("output");
        Ok(Layer {
            qkv,
            heads: config.num_attention_heads,
            head_dim: hidden / config.num_attention_heads,
            attention_out: Dense::load(output.pp("dense"), hidden, hidden, precision)?,
            attention_norm: layer_norm(hidden, config.layer_norm_eps, output.pp("LayerNorm"))?,
            intermediate: Dense::load(
                vb.pp("intermediate").pp("dense"),
                hidden,
                config.intermediate_size,
                precision,
            )?,
            activation: config.hidden_act,
            output: Dense::load(
                vb.pp("output").pp("dense"),
                config.intermediate_size,
                hidden,
                precision,
            )?,
            output_norm: layer_norm(
                hidden,
                config.layer_norm_eps,
                vb.pp("output").pp("LayerNorm"),
            )?,
        })
    }

    /// `x`: (batch, tokens, hidden); `mask_bias`: (batch, 1, 1, tokens), 0 for tokens to attend
    /// to and a large negative number for padding.
    fn forward(&self, x: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (batch, tokens, hidden) = x.dims3()?;
        // (batch, tokens, 3, heads, head_dim) -> (3, batch, heads, tokens, head_dim)
        let qkv = self
            .qkv
            .forward(x)?
            .reshape((batch, tokens, 3, self.heads, self.head_dim))?
            .permute((2, 0, 3, 1, 4))?;
        let q = qkv.get(0)?.contiguous()?;
        let k = qkv.get(1)?.contiguous()?;
        let v = qkv.get(2)?.contiguous()?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(mask_bias)?;
        let probabilities = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probabilities
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch, tokens, hidden))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + x)?)?;
        let inner = match (&self.intermediate, self.activation) {
            // GELU as the integer layer writes its outputs: one pass over them fewer.
            (Dense::Int(layer), HiddenAct::Gelu) => attended.apply_op1_no_bwd(&GeluAfter(layer))?,
            (dense, activation) => activate(&dense.forward(&attended)?, activation)?,
        };
        self.output_norm
            .forward(&(self.output.forward(&inner)? + attended)?)
    }
}

fn tensor_bytes(t: &Tensor) -> usize {
    t.elem_count() * t.dtype().size_in_bytes()
}

/// A BERT encoder: the token vectors of the last layer for each input.
pub struct Bert {
    embeddings: Embeddings,
    layers: Vec<Layer>,
    hidden: usize,
}

impl Bert {
    /// Loads the weights of a Hugging Face BERT checkpoint (with or without the `bert.`
    /// prefix, as candle-transformers accepts them).
    pub fn load(vb: VarBuilder, config: &Config, precision: Precision) -> Result<Self> {
        let load = |vb: VarBuilder| -> Result<Bert> {
            let encoder = vb.pp("encoder").pp("layer");
            Ok(Bert {
                embeddings: Embeddings::load(vb.pp("embeddings"), config)?,
                layers: (0..config.num_hidden_layers)
                    .map(|i| Layer::load(encoder.pp(i.to_string()), config, precision))
                    .collect::<Result<_>>()?,
                hidden: config.hidden_size,
            })
        };
        match load(vb.clone()) {
            Ok(model) => Ok(model),
            Err(unprefixed) => {
                let prefix = config.model_type.as_deref().unwrap_or("bert");
                load(vb.pp(prefix)).map_err(|_| unprefixed)
            }
        }
    }

    /// Memory the weights hold (f32 tables and norms, dense layers in their precision).
    pub fn bytes(&self) -> usize {
        let e = &self.embeddings;
        let tables = [&e.words, &e.positions, &e.segments]
            .iter()
            .map(|t| tensor_bytes(t.embeddings()))
            .sum::<usize>();
        // Each layer norm: a weight and a bias of `hidden` floats.
        let norm = 2 * self.hidden * 4;
        let layers = self
            .layers
            .iter()
            .map(|l| {
                l.qkv.bytes()
                    + l.attention_out.bytes()
                    + l.intermediate.bytes()
                    + l.output.bytes()
                    + 2 * norm
            })
            .sum::<usize>();
        tables + norm + layers
    }

    /// Whether the dense layers multiply in f32 or 16-bit integers.
    pub fn precision(&self) -> Precision {
        match self.layers.first().map(|l| &l.qkv) {
            Some(Dense::Int(_)) => Precision::Int16,
            _ => Precision::Float32,
        }
    }

    /// `ids`, `segment_ids`: (batch, tokens) u32; `mask`: (batch, tokens) f32, 1 for real
    /// tokens and 0 for padding. Returns (batch, tokens, hidden).
    pub fn forward(&self, ids: &Tensor, segment_ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (batch, tokens) = mask.dims2()?;
        // Padding gets the most negative finite bias, so softmax gives it exactly zero.
        let mask_bias = ((mask.ones_like()? - mask)? * f32::MIN as f64)?
            .to_dtype(DType::F32)?
            .reshape((batch, 1, 1, tokens))?;
        let mut x = self.embeddings.forward(ids, segment_ids)?;
        for layer in &self.layers {
            x = layer.forward(&x, &mask_bias)?;
        }
        Ok(x)
    }
}

fn activate(x: &Tensor, activation: HiddenAct) -> Result<Tensor> {
    match activation {
        HiddenAct::Gelu if x.device().is_cpu() => x.apply_op1_no_bwd(&Gelu),
        // Other devices have candle's own erf GELU kernel.
        HiddenAct::Gelu => x.gelu_erf(),
        HiddenAct::GeluApproximate => x.gelu(),
        HiddenAct::Relu => x.relu(),
    }
}

/// An integer dense layer followed by GELU, in one custom op.
struct GeluAfter<'a>(&'a QuantizedLinear);

impl CustomOp1 for GeluAfter<'_> {
    fn name(&self) -> &'static str {
        "pgml-dense-int16-gelu"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        dense_cpu_fwd(self.0, storage, layout, gelu)
    }
}

/// GELU with the exact (erf) definition, `x/2 * (1 + erf(x/√2))`, on f32 tensors.
struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "pgml-gelu-erf"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let values = contiguous_f32(storage, layout, "gelu")?;
        let out: Vec<f32> = values.iter().map(|&v| gelu(v)).collect();
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

#[inline(always)]
fn gelu(v: f32) -> f32 {
    0.5 * v * (1.0 + erf(v * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf(x) = 1 - 1 / (1 + a1 x + ... + a6 x^6)^16 for x >= 0, odd in x (Abramowitz & Stegun
/// 7.1.28). No branches and no calls, so loops over it vectorise. For large |x| the power
/// overflows to infinity and the result is exactly ±1.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const A: [f32; 6] = [
        0.070_523_08,
        0.042_282_01,
        0.009_270_527,
        0.000_152_014_3,
        0.000_276_567_2,
        0.000_043_063_8,
    ];
    let t = x.abs();
    let p = 1.0 + t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * (A[4] + t * A[5])))));
    let p2 = p * p;
    let p4 = p2 * p2;
    let p8 = p4 * p4;
    let e = 1.0 - 1.0 / (p8 * p8);
    f32::from_bits(e.to_bits() | (x.to_bits() & 0x8000_0000))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact erf, from its Taylor series (f64, enough terms for |x| <= 3).
    fn erf_reference(x: f64) -> f64 {
        if x.abs() > 3.0 {
            return x.signum() * (1.0 - libm_erfc_tail(x.abs()));
        }
        let mut term = x;
        let mut sum = x;
        for n in 1..200 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    /// erfc for x > 3 from its asymptotic series (error far below 1e-7 there).
    fn libm_erfc_tail(x: f64) -> f64 {
        let e = (-x * x).exp() / (x * std::f64::consts::PI.sqrt());
        e * (1.0 - 1.0 / (2.0 * x * x) + 3.0 / (4.0 * x.powi(4)))
    }

    #[test]
    fn erf_is_within_its_published_error() {
        let mut worst: f64 = 0.0;
        for i in -8000..=8000 {
            let x = i as f64 / 1000.0;
            worst = worst.max((erf(x as f32) as f64 - erf_reference(x)).abs());
        }
        // 3e-7 from the approximation, plus f32 rounding amplified by the 16th power (about
        // 1.4e-6 measured): a few f32 ulps of GELU's output, far below what the model's f32
        // arithmetic already varies by (tests/models.rs checks whole embeddings).
        assert!(worst < 2e-6, "worst |error| {worst}");
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(erf(20.0), 1.0);
        assert_eq!(erf(-20.0), -1.0);
        assert_eq!(erf(f32::INFINITY), 1.0);
    }

    #[test]
    fn gelu_matches_the_definition() {
        for i in -600..=600 {
            let x = i as f64 / 100.0;
            let exact = 0.5 * x * (1.0 + erf_reference(x / std::f64::consts::SQRT_2));
            assert!((gelu(x as f32) as f64 - exact).abs() < 2e-6, "x = {x}");
        }
    }
}
