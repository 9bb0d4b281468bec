"""English prose.  Keys are grouped by the view that uses them."""

MESSAGES = {
    # -- shared ----------------------------------------------------------------
    "batch.mean": "the mean over the m examples of a batch",
    "batch.sum": "the sum over the examples of a batch ('sum': no 1/m)",
    "loss.se": "squared error: Σₖ (ŷₖ - yₖ)²",
    "loss.half_se": "half squared error: ½ Σₖ (ŷₖ - yₖ)²",
    "loss.mse": "mean squared error: (1/n_L) Σₖ (ŷₖ - yₖ)²",
    "loss.bce": "binary cross-entropy (sigmoid output)",
    "loss.ce": "cross-entropy (softmax output, rows of Y sum to 1)",
    "assume.targets_sum_to_one": "when the targets of a row sum to 1 (one-hot or probabilities)",
    "assume.": "",
    "title": "Backpropagation through {name}",

    # -- scalar view ---------------------------------------------------------------
    "scalar.conventions": (
        "Conventions. Layers run from 0 (input) to L = {L} (output); a superscript (l) is a layer "
        "index, not an exponent. w⁽ˡ⁾ⱼₖ connects neuron k of layer l-1 to neuron j of layer l "
        "(j = to, k = from), so W⁽ˡ⁾ has shape (nₗ × nₗ₋₁), as in torch.nn.Linear. "
        "z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾), a⁽⁰⁾ = x, ŷ = a⁽ᴸ⁾. δ⁽ˡ⁾ⱼ = ∂J/∂z⁽ˡ⁾ⱼ "
        "(the error of neuron j). J is {batch}; below, J is written for one example, where the two "
        "agree."),
    "scalar.forward": "Forward pass (staged)",
    "scalar.first_of_each": "Showing the first neuron of each layer; the others follow the same pattern.",
    "scalar.batch_graph": ("Batch norm mixes the examples of a batch, so the network is written for a "
                           "batch of m = {m} rows; [r] marks row r."),
    "scalar.backward": "Backward pass: the deltas",
    "scalar.backward_intro": ("The deltas δ = ∂J/∂z are computed once, from the output back, and reused for "
                              "every parameter of their layer. Each is the upstream delta times a local "
                              "derivative, summed over everything the quantity feeds."),
    "scalar.fan_out": ("{name} feeds {n} quantities, so its delta is a sum of {n} contributions: in code "
                       "the gradient is accumulated with +=, never overwritten with =."),
    "scalar.box": "Activation derivatives used",
    "box.in_a": "in terms of a = f(z)",
    "box.in_z": "in terms of z (f has no inverse to write it in a)",
    "box.at_zero": "{name}′(0) = {value} by convention",
    "box.softmax_same": "softmax, same index: ŷⱼ(1 - ŷⱼ)",
    "box.softmax_cross": "softmax, other index k ≠ j",
    "scalar.paths": "{n} dependency paths from {name} to J; the chain rule sums over them:",
    "scalar.along_paths": "chain rule along the paths",
    "scalar.locals": "local derivatives",
    "scalar.simplified": "simplified",
    "scalar.at_example": "at example 1",
    "scalar.too_many_paths": ("{n} dependency paths lead from {name} to J: too many to list. Backprop sums "
                              "them once per neuron, in δ."),
    "scalar.reusing": "reusing {deltas} from the backward pass",
    "scalar.general_title": "General formula",
    "scalar.general": "This network has {n} parameters, too many to print one by one.",
    "scalar.general_shown": ("Above: one representative weight (and bias) per layer. Every parameter "
                             "follows the same general formulas:"),
    "scalar.too_large": ("The scalar view is for small networks: this one has {n} parameters. See the delta "
                         "view (--view delta) for BP1-BP4 at any width."),
    "scalar.title_large": "Scalar view",
}

MESSAGES.update({
    "scalar.path_one": "One dependency path from {name} to J:",
    # -- numbers -----------------------------------------------------------------
    "numbers.the_example": "the worked example",
    "numbers.data_intro": "{described} (m = {m} example{s}; {how}).",
    "numbers.mean": "J averages them",
    "numbers.sum": "J sums them",
    "numbers.row": "row",
    "numbers.parameter": "parameter",
    "numbers.value": "value",
    "numbers.quantity": "quantity",
    "numbers.masks": "Dropout keep-masks {keys} are part of the example: constants of the derivation.",
    "numbers.data_title": "Worked example: the data",
    "numbers.forward_title": "Worked example: forward pass",
    "numbers.batch_loss": "the loss on this batch",
    "numbers.delta_title": "Worked example: deltas (δ = ∂ℓ/∂z, one example at a time)",
    "numbers.gradient_title": "Worked example: gradients",
    "numbers.more_params": "... and {n} more parameters.",
    "numbers.step": "step",
    "numbers.first_params": "(first {k} of {n} parameters shown)",
    "numbers.descent_rule": "Each step: θ ← θ - {lr} · ∂J/∂θ for every parameter θ.",
    "numbers.exact": "Every value here is exact.",
    "numbers.fixed": ("Values are exact while they are short; longer ones are carried with {digits} "
                      "significant digits and shown rounded."),
    "numbers.descent_title": "Gradient descent: {steps} steps, learning rate {lr}",
    # -- teaching notes -------------------------------------------------------------
    "notes.title": "Why it works this way",
    "notes.saturation": ("Saturation: {name}′ is at most {peak}. At z = 50 it is {exact} exactly, but in "
                         "float64 {name}(50) rounds to {a64}, so {form} evaluates to {f64}: the gradient "
                         "through a saturated unit vanishes, and the weights before it stop learning."),
    "notes.relu": ("ReLU passes the gradient unchanged where z > 0 and blocks it where z ≤ 0 (relu′(0) = 0, "
                   "as in PyTorch): each example switches paths on and off."),
    "notes.reverse": ("Why reverse mode: one forward pass costs about F = {F} multiplications. Forward mode "
                      "(or finite differences) needs a pass per parameter: about {forward} multiplications "
                      "for all P = {P} gradients. Backprop needs one forward and one backward pass, about "
                      "{reverse}: {ratio} times less. In matrix terms, reverse mode multiplies a row "
                      "vector (the upstream gradient) through the Jacobians; forward mode multiplies "
                      "matrices."),
    "notes.reverse_small": ("Why reverse mode: one forward pass costs about F = {F} multiplications. With only "
                            "P = {P} parameter(s), a forward-mode pass per parameter ({forward}) costs no more "
                            "than backprop's forward and backward pass ({reverse}); the advantage of reverse mode "
                            "grows with P: a network with a million weights needs a million forward-mode passes "
                            "but still only about two for backprop."),
    "notes.check": ("Gradient check (central differences, h = {h}): J(θ + h) = {plus} and J(θ - h) = "
                    "{minus} for θ = {name}, so (J(θ + h) - J(θ - h)) / 2h = {numeric}, against backprop's "
                    "{analytic} (relative difference {rel})."),
    "notes.check_how": ("Check a gradient numerically: (J(θ + h) - J(θ - h)) / 2h agrees with backprop to "
                        "about h² (use h ≈ 1e-4 in float64); add --numbers to see it for this network."),
    "notes.seed001": ("With x = {x} and y = {y} substituted, J is a function of w alone, and so is its "
                      "derivative, which is zero at w = {w_star}: gradient descent walks w towards it."),
    "verify.title": "Verification",
    "verify.ok": ("Verified: all {n} gradients shown equal dJ/dθ computed in forward mode, with sympy.diff of "
                  "every definition on the way from θ to J (3 random points; agreement to 12 significant "
                  "digits),"),
    "verify.ok_one": ("Verified: the gradient equals dJ/dθ computed in forward mode, with sympy.diff of every "
                      "definition on the way from θ to J (3 random points; agreement to 12 significant "
                      "digits),"),
    "verify.failed": "VERIFICATION FAILED for {names}.",
    "verify.locals": "and all {n} local derivatives of the backward pass equal sympy.diff of their definitions",
    "json.no_scalar": ("the scalar graph of this network would hold about {terms} terms (limit {limit}); "
                       "the index-level equations below describe every gradient"),
})

MESSAGES.update({
    # -- delta view ------------------------------------------------------------------
    "delta.title": "Delta view (BP1-BP4): {spec}",
    "delta.intro": ("The four backpropagation equations BP1-BP4 for {spec}, derived at index level with SymPy "
                    "(sympy.diff of each layer's forward definition, Kronecker deltas collapsed by the index "
                    "sums) and read back as matrix products. Widths stay symbols during the derivation, so "
                    "any width costs the same."),
    "delta.dense_only": ("The index-level view (BP1-BP4 in matrix form) is derived for dense networks; the "
                         "scalar view above covers this network's layers one quantity at a time."),
    "delta.layout": (
        "Layout: rows are examples. X is the (m × n₀) batch, one example per row; Y and the output Ŷ are "
        "(m × n_L). W⁽ˡ⁾ is (nₗ × nₗ₋₁) and its entry w⁽ˡ⁾ⱼₖ connects neuron k of layer l-1 to neuron j of "
        "layer l (j = to, k = from, as in torch.nn.Linear), so Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾W⁽ˡ⁾ᵀ + b⁽ˡ⁾ and "
        "A⁽ˡ⁾ = f(Z⁽ˡ⁾).\n"
        "δ⁽ˡ⁾ = ∂J/∂z⁽ˡ⁾ is the error of a neuron (Nielsen's delta); the matrix Δ⁽ˡ⁾ holds one row of "
        "errors per example. Superscripts in parentheses are layer indices, not exponents. [j = p] is 1 "
        "if j = p and 0 otherwise (the Kronecker delta, written with brackets so that δ stays the "
        "error), ⊙ the elementwise product, 1ₘ a column of m ones, and M[r,k] the entry in row r, "
        "column k."),
    "delta.inputs": "inputs, one example per row",
    "delta.weights": "weights into layer {l}",
    "delta.biases": "biases of layer {l}",
    "delta.pre": "pre-activations",
    "delta.outputs": "{act} outputs",
    "delta.prediction": "(the prediction)",
    "delta.errors": "errors ∂ℓ/∂z of layer {l}, per example",
    "delta.targets": "targets",
    "delta.quantity": "quantity",
    "delta.shape": "shape",
    "delta.meaning": "meaning",
    "delta.shapes_title": "Conventions and shapes",
    "delta.batch_title": "Batch convention",
    "delta.reduction_sum": "reduction 'sum'",
    "delta.reduction_mean": "mean over the batch",
    "delta.batch_sum": ("J sums the per-example losses ℓᵣ. Each row of Δ⁽ˡ⁾ is that example's error ∂ℓᵣ/∂z, "
                        "and with a plain sum no 1/m appears anywhere: ∂J/∂W and ∂J/∂b add up the rows."),
    "delta.batch_mean": ("The rows of Δ⁽ˡ⁾ are per-example errors ∂ℓᵣ/∂z, without 1/m; they are what "
                         "propagates from layer to layer (BP1, BP2). The 1/m of the mean appears once, on "
                         "∂J/∂W and ∂J/∂b (BP3, BP4)."),
    "delta.row_r": "Row r of a layer's forward definition, with W stored out × in:",
    "delta.row_note": "row r = example r",
    "delta.diff_weight": ("sympy.diff with respect to one weight gives Kronecker deltas; the sum over k "
                          "keeps only k = q:"),
    "delta.sum_rows": ("The chain rule sums over every z the weight touches: all rows r and all neurons j. "
                       "The bracket [j = p] keeps j = p; the sum over the batch rows r stays, and a sum over "
                       "the row index is a product with a transpose:"),
    "delta.bp4_shape": "(nₗ×m)(m×nₗ₋₁) → (nₗ×nₗ₋₁), the shape of W",
    "delta.diff_bias": ("For a bias, ∂z/∂b is a single Kronecker delta, and the errors are summed over the "
                        "batch (rows):"),
    "delta.bp3_shape": "(nₗ×m)(m×1) → (nₗ×1), the shape of b",
    "delta.one_down": "One layer down, a⁽ˡ⁾ feeds every neuron j of layer l+1 in the same row r:",
    "delta.bp2_shape": "(m×nₗ₊₁)(nₗ₊₁×nₗ) → (m×nₗ)",
    "delta.general_title": "From scalars to indices (a general layer l)",
    "delta.output_layer": "output layer",
    "delta.hidden_layer": "hidden layer",
    "delta.layer_title": "Layer {l} ({kind}, {act}, {n_prev} → {n})",
    "delta.fprime_note": "{name}′ from the rules card",
    "delta.at_zero": "{name}′(0) by the convention of the card",
    "delta.bp1_shape": "shape {shape}, one row per example, no 1/m",
    "delta.softmax_loss": "The loss of example r, with the softmax written out from the rules card:",
    "delta.softmax_diff": ("softmax couples the outputs, so differentiate ℓᵣ with respect to z directly; "
                           "sympy.diff gives Kronecker deltas in both sums, and they collapse:"),
    "delta.any_targets": "exact, any targets",
    "delta.loss_sum": "The loss of example r ({loss}) as a sum over the outputs:",
    "delta.loss_diff": "sympy.diff with respect to one output gives a Kronecker delta, and the sum collapses:",
})

MESSAGES.update({
    # -- index view of networks beyond dense (derive/views/delta_kinds) ---------------
    "index.intro": ("Backpropagation through {spec}, derived at index level with SymPy: each layer's forward "
                    "definition is written with indexed symbols over symbolic sizes, sympy.diff gives "
                    "Kronecker deltas, and the sums collapse. Each layer receives the gradient of the loss "
                    "with respect to its output from the layer above and sends the gradient with respect to "
                    "its input down. Sizes stay symbols during the derivation, so any size costs the same."),
    "index.layout": (
        "Layout: rows are examples; an image batch is (m × C × H × W), a sequence batch (m × T × F). "
        "W⁽ˡ⁾ is (out × in) as in torch. For any quantity Q, dQ = ∂L/∂Q, where L = Σᵣ ℓᵣ sums the "
        "per-example losses (J = L/m for a mean): these gradients carry no 1/m, and the 1/m appears "
        "once, on the parameter gradients ∂J/∂θ. δ = dz is the error of a pre-activation (Nielsen's "
        "delta), Δ⁽ˡ⁾ its array. Indices start at 1; [e = f] is 1 if e = f and 0 otherwise, and "
        "[a ≤ e ≤ b] likewise (Iverson brackets, so that δ stays the error); ⊙ is the elementwise "
        "product."),
    "index.sizes": ("The derivation keeps every size a symbol; in this network {sizes}, and the batch has m "
                    "rows."),
    "index.flatten_title": "Layer {l} (flatten, {shape} → {n})",
    "index.flatten_rows": "the input, one row per example (row-major)",
    "index.flatten_intro": ("flatten writes each example's {sizes} entries in one row of n = {n}, row-major "
                            "(torch.flatten): the last index runs fastest. As a definition, with the index "
                            "map as a Kronecker delta:"),
    "index.row_major": "row-major",
    "index.flatten_diff": ("sympy.diff with respect to one input entry gives Kronecker deltas; the sums over "
                           "the input indices collapse, then the sum over k, leaving one term:"),
    "index.same_numbers": "the same numbers, reshaped to {shape}",
})

MESSAGES.update({
    "index.conv_title": "Layer {l} (conv({c},{k}), stride {s}, padding {p}, {act}: {shape_in} → {shape_out})",
    "index.conv_weights": "kernels of layer {l}: out × in channels × K × K",
    "index.conv_intro": ("Each output channel c slides its K × K kernels over the input channels c′ with "
                         "stride S after padding P zeros on every side (cross-correlation, as torch.nn.Conv2d). "
                         "Output pixel (i, j) of example r reads the input pixels S(i-1)+u-P, S(j-1)+v-P for the "
                         "taps u, v = 1..K:"),
    "index.zero_padding": "x = 0 outside its H × W: zero padding",
    "index.conv_act": "Then a = {act}(z), entry by entry; each z feeds only its own a:",
    "index.conv_diff_w": ("sympy.diff with respect to one weight gives Kronecker deltas on plain indices; the "
                          "sums over c′, u, v keep only the matching tap:"),
    "index.conv_sum_w": ("The weight is shared by every output pixel and every example, so the chain rule "
                         "sums over all of them (r, c, i, j); [c = p] keeps c = p:"),
    "index.conv_dw_note": "the shape of W: {shape}",
    "index.conv_correlation": ("Read it as a correlation: tap (s, e) of kernel (p, q) collects the error of "
                               "output channel p times the input channel q, shifted by the tap and sampled S "
                               "pixels apart, over the examples and the output pixels (the input read as 0 in "
                               "the padding)."),
    "index.conv_db_note": "the shape of b: {shape}; one bias per channel, summed over examples and pixels",
    "index.conv_diff_x": ("With respect to one input pixel the Kronecker deltas hold index expressions: "
                          "[h = S(i-1)+u-P]. The collapse solves for the tap, u = h + P - S(i-1), and keeps its "
                          "range as a bracket: an output pixel whose window does not cover (h, g) contributes "
                          "nothing."),
    "index.conv_first": "(X itself needs no gradient; this is what a layer below would receive.)",
    "index.conv_solved": "solved for the taps u, v",
    "index.conv_brackets": ("Only input pixels are summed for (h from 1 to H, g from 1 to W): the padded "
                            "positions belong to no input, so the gradient of the padded input is cropped back "
                            "to H × W."),
    "index.conv_stride_one": ("With stride 1 this is a full convolution. Change the summed index from the "
                              "output row i to the tap u = h + P + 1 - i (and j to v likewise); the bracket on u "
                              "becomes the sum's range and the old range of i becomes a bracket on Δ's index:"),
    "index.conv_dilate": ("With stride S = {s} the output pixels sit S input pixels apart. Spread the error "
                          "out, S - 1 zeros between neighbours (the dilated error Δ̃), and the stride-1 "
                          "formula applies to it:"),
    "index.conv_dilated_form": "the stride-1 form on Δ̃",
    "index.conv_back": "substituting Δ̃ and collapsing gives back the general form",
    "index.conv_reindexed": "change of index: the tap runs over the kernel",
    "index.conv_padded": "{name}: the error read as 0 outside its range (zero-padded)",
    "index.conv_flipped": "{name}: the kernel flipped, taps counted backwards",
    "index.conv_full": ("The last line correlates the zero-padded error with the flipped kernel: a full "
                        "convolution of the error with the kernel (padding {pad} on every side)."),
})

MESSAGES.update({
    "index.pool_title": "Layer {l} ({mode}pool({k}): {shape_in} → {shape_out})",
    "index.pool_rows": "{mode} of each {k} × {k} window",
    "index.pool_mask": "1 at the first maximum of each window, else 0",
    "index.max_intro": ("Max pooling keeps the largest entry of each K × K window (stride K). sympy.diff of a "
                        "max, on one window of four:"),
    "index.max_heaviside": "1 where x₁ is the largest, 0 where another is",
    "index.max_mask": ("So the max of a window is its entries weighted by the argmax mask I: 1 at the maximum "
                       "(at the first one in window order on a tie, where torch sends the gradient), 0 "
                       "elsewhere. I is constant wherever the max has a derivative:"),
    "index.avg_intro": "Average pooling takes the mean of each K × K window (stride K):",
    "index.pool_diff": ("With respect to one input pixel, sympy.diff gives [h = K(i-1)+u]: the collapse solves "
                        "for the tap u = h - K(i-1), and the bracket 1 ≤ h - K(i-1) ≤ K holds for exactly one "
                        "window, i = ⌈h/K⌉:"),
    "index.pool_one_window": "the one window that holds (h, g)",
    "index.max_routes": ("The gradient is routed: each window's error goes to its maximum, and every other "
                         "entry gets 0. Pixels past the last full window (the bracket) belong to no window and "
                         "get 0 too."),
    "index.avg_spreads": ("The gradient is spread: each window's error is shared equally, 1/K² to each of its "
                          "entries. Pixels past the last full window (the bracket) belong to no window and get "
                          "0."),
})

MESSAGES.update({
    "index.norm_title": "Layer {l} ({kind}: {shape})",
    "index.gamma": "scales γ of layer {l}",
    "index.beta": "shifts β of layer {l}",
    "index.mu": "means of the groups",
    "index.var": "variances of the groups (biased: 1/N)",
    "index.xhat": "normalised inputs",
    "index.norm_out": "outputs γ x̂ + β",
    "index.bn_stats": ("Batch norm normalises each feature over the batch: its mean and biased variance run "
                       "over the N = {n} examples (training mode, as torch), and γ, β are one number per "
                       "feature."),
    "index.bn2d_stats": ("Batch norm on images (BatchNorm2d) normalises each channel over everything the batch "
                         "holds of it: the statistics of channel c run over the N = {n} = {count} entries of "
                         "the batch's examples and pixels, and γ, β are one number per channel."),
    "index.ln_stats": ("Layer norm normalises each example over its own entries: the statistics of row r run "
                       "over its N = {n} = {count} entries, the same for every batch size, and γ, β have the "
                       "example's shape."),
    "index.norm_paths": ("Each x reaches the loss three ways: through x̂ directly, through the mean μ and "
                         "through the variance σ². The index-level chain rule takes them from the top:"),
    "index.norm_dxhat": "each x̂ feeds only its own output",
    "index.norm_zero": "the deviations from the mean sum to 0: {mu} is their mean",
    "index.norm_dx": ("And x itself: its x̂ (path 1), the variance of its group (path 2) and the mean of its "
                      "group (path 3). sympy.diff of each definition gives Kronecker deltas, which collapse:"),
    "index.norm_simplify": ("Substituting dσ² and dμ, writing x - μ = σ x̂, expanding and gathering the sums "
                            "gives the simplified form:"),
    "index.norm_proof": "SymPy: equal to the three paths (their difference expands to 0)",
    "index.norm_in_upstream": "with dx̂ = γ da",
    "index.norm_params": "γ and β are shared by their group's entries, so their gradients sum over them:",
    "index.param_shape": "shape {shape}",
})

MESSAGES.update({
    "index.dropout_title": "Layer {l} (dropout, p = {p})",
    "index.dropout_mask": "keep-mask (given): 1 keeps, 0 drops",
    "index.dropout_out": "the kept entries, scaled by 1/(1 - p)",
    "index.dropout_intro": ("Inverted dropout multiplies each entry by its keep-mask entry and by 1/(1 - p). "
                            "The mask is drawn before the pass and is a constant of the derivation:"),
    "index.dropout_const": "M is a given constant",
    "index.dropout_why": ("The gradient goes back through the same mask with the same scale: a dropped entry "
                          "gets none. The scale 1/(1 - p) keeps the expected value of each entry what it is "
                          "without dropout, so inference can simply switch dropout off."),
})

MESSAGES.update({
    "index.res_title": "Residual block (layers {first}-{last}, {act}): the skip",
    "index.res_sum": "x + F(x): input plus inner layers' output",
    "index.res_out": "{act} of the sum: the block's output",
    "index.res_intro": ("The block adds its input x to what its inner layers make of it, F(x), and applies its "
                        "activation to the sum:"),
    "index.res_branch": ("∂s/∂F is the identity, so the inner layers receive the sum's gradient unchanged (an "
                         "add gate passes the gradient to both inputs):"),
    "index.res_sum_title": "Residual block (layers {first}-{last}): the gradient adds along the skip",
    "index.res_sum_intro": ("x feeds the sum directly and the first inner layer, so its gradient is the sum of "
                            "the two: the skip's share (∂s/∂x is the identity) and what the inner layers send "
                            "down:"),
    "index.res_inner": "{share}: the inner layers' share",
    "index.res_adds": "the gradients add",
    "index.res_why": ("The skip carries the gradient past the inner layers untouched: however small their "
                      "share, dS reaches the block's input, which is why deep residual networks still learn."),
})

MESSAGES.update({
    "index.l2_title": "L2 penalty (λ = {lam})",
    "index.l2_intro": ("l2({lam}) adds (λ/2) Σ w² to J, summed over every entry of every weight array "
                       "({keys}); biases, γ and β carry no penalty. For one weight array W of any shape:"),
    "index.l2_any": "the penalty's share of J",
    "index.l2_collapse": "the Kronecker deltas keep w[p, q]",
    "index.l2_where": ("So every weight's gradient gains λ w, on top of what backpropagation gives (the "
                       "'+ λ W' in each weight gradient above): weight decay, pulling each weight towards 0."),
})

MESSAGES.update({
    "index.rec_title": "Layer {l} ({cell}({h}) over {shape}): backpropagation through time",
    "index.rec_weights_title": "Layer {l}: the shared weights, summed over time",
    "index.rec_wx": "input weights, gates stacked{order}",
    "index.rec_wh": "hidden weights, gates stacked{order}",
    "index.rec_h": "hidden states, every step",
    "index.rec_out": "the last step's h: the layer's output",
    "index.lstm_order": " The four gates' pre-activations are stacked in torch's order (i, f, g, o): rows 1..n, n+1..2n, 2n+1..3n, 3n+1..4n of z.",
    "index.gru_order": (" The gates are stacked in torch's order (r, z, n); here the update gate torch calls z is "
                        "gᵤ (z is kept for pre-activations), and as in torch the input and hidden parts are two "
                        "products, zₓ and zₕ, so that the reset gate can act on the hidden part alone."),
    "index.rec_intro": ("The {cell} layer runs over the T steps of each sequence, the same weights at every step, "
                        "and outputs the last hidden state.{order} Unrolled, with t the step:"),
    "index.rec_last": "the layer's output is the last step",
    "index.rec_zero": "h (and c) at step 0 are 0, as torch's default initial state: a term that reads step 0 vanishes.",
    "index.rec_dh": ("h at step s feeds the output (only at s = T) and the next step (only for s < T). "
                     "sympy.diff gives [T = s] from the output and [t - 1 = s] from the next step; the collapse "
                     "solves t = s + 1 and keeps the bracket [s + 1 ≤ T]: the recurrence runs backwards from "
                     "s = T, one step at a time."),
    "index.rec_dh_note": "gradients add where h feeds two things",
    "index.rec_delta": "Through the activation of each step (tanh′ = 1 - h² from the rules card):",
    "index.rec_factor": ("The factor that repeats: one step back in time multiplies by ∂h_u/∂h_(u-1), from "
                         "sympy.diff of h_u = tanh(z_u) with z_u written out:"),
    "index.rec_one_step": "for s < T: one step back",
    "index.rec_product": "unrolled from the last step: per example, as columns",
    "index.rec_vanishing": ("Each step multiplies the gradient by Wₕᵀ diag(f′(z_u)). With |tanh′| ≤ 1, its size "
                            "after k steps is at most (‖Wₕ‖ max|f′|)ᵏ: below 1 the gradient from the loss to "
                            "early steps shrinks geometrically (vanishing gradients), above 1 it can grow "
                            "geometrically (exploding gradients)."),
    "index.lstm_gates": "Through h = o tanh(c): the output gate and the cell state.",
    "index.lstm_cell": ("The cell state c at step s feeds h at step s and c at step s + 1 (through the forget "
                        "gate f):"),
    "index.lstm_dc_note": "the cell-state path",
    "index.lstm_why": ("Along the cell state the step back multiplies by the forget gate alone: dc_s gets "
                       "dc_(s+1) ⊙ f_(s+1), with no Wₕ and no squashing derivative in the way. Where the forget "
                       "gate stays near 1 the gradient passes many steps almost unchanged: this path is why an "
                       "LSTM keeps gradients alive over long sequences."),
    "index.rec_stacked": ("The stacked pre-activation z: each gate ({order}) reads its own block of rows, so "
                          "the collapse leaves one bracket per block, and the gate derivatives come from the "
                          "rules card (σ′ = σ(1 - σ) for the gates, tanh′ = 1 - t² for the candidate):"),
    "index.rec_block": "the {gate} block",
    "index.gru_gates": "Through h = (1 - gᵤ) n + gᵤ h_(s-1): the candidate n and the update gate gᵤ (torch's z).",
    "index.gru_reset": ("The reset gate sits inside the candidate, n = tanh(zₓ + gᵣ ⊙ zₕ) on the n rows: its "
                        "gradient is n's times tanh′ times the hidden part zₕ it scales."),
    "index.gru_reset_note": "the reset gate inside the candidate",
    "index.gru_hidden": ("The hidden part zₕ gets the same errors on the r and z rows, and on the n rows the "
                         "candidate's error scaled by the reset gate:"),
    "index.rec_shared": ("Every step uses the same Wₓ, Wₕ and biases, so their gradients add the contributions "
                         "of all steps (and all examples): one sum over time per weight."),
    "index.rec_down": "The gradient of the input sequence, step by step:",
})

MESSAGES.update({
    "index.verify_title": "Verification of the index view",
    "index.verify_ok": ("Verified: all {n} results of the index view (each index form, and each matrix form where "
                        "one is shown) equal the scalar graph's exact gradients and adjoints on a batch of m = {m} "
                        "random examples (a result with more than 48 entries at 48 of them, drawn at random), "
                        "agreeing to 9 significant digits"),
    "index.verify_smaller": ("(on {spec}: the derivation is symbolic in every size, so the network's own formulas "
                             "are checked on a copy small enough for the scalar graph)"),
    "index.verify_failed": "INDEX VIEW VERIFICATION FAILED: {names}.",
    "index.verify_none": "No copy of this network is small enough for the scalar graph; the index view was not checked.",
})

MESSAGES.update({
    "optimizer.title": "{name}: {steps} steps, learning rate {lr}",
    "optimizer.intro": ("Each step applies {name}'s rule (torch.optim's, with its defaults) to every parameter "
                        "θ with its gradient g at step t; the table follows {p}, with the optimizer's state "
                        "after each step."),
    "optimizer.adam_first": ("Adam's first steps move each parameter by about the learning rate, whatever the "
                             "size of its gradient: m̂/√v̂ is g/|g| = ±1 at t = 1 and stays near ±1 while the "
                             "gradient keeps its sign. Here the first steps moved it by {moves} times η."),
})

MESSAGES.update({
    # -- staged expression (derive --expr) -------------------------------------------
    "staged.title": "Staged backprop for {out} = {expr}",
    "staged.title_long": "Staged backprop for an expression",
    "staged.variables": "Variables: {variables}.  Differentiate with respect to {wrt}.",
    "staged.how": ("Each forward line is one gate with output {prefix}1, {prefix}2, ...; the backward lines "
                   "visit the gates in reverse and multiply the upstream gradient ∂{out}/∂(gate output) by "
                   "the gate's local derivative, which comes from sympy.diff of the gate alone."),
    "staged.at": "At {values} (exact arithmetic where the values are rational).",
    "staged.forward": "Forward pass",
    "staged.backward": "Backward pass",
    "staged.gradients": "Gradients",
    "staged.backward_intro": ("Backward lines carry the numbers of their forward gates.  Where a value fans out "
                              "into several gates its gradients add up: the later lines use +=."),
    "staged.backward_intro_some": ("Backward lines carry the numbers of their forward gates.  Where a value fans "
                                   "out into several gates its gradients add up: the later lines use +=.  Only "
                                   "the branches that lead to {wrt} are followed (not {skipped})."),
    "staged.forward_label": "forward {step}",
    "staged.backward_label": "backward {step}",
    "staged.seed_label": "seed",
    "staged.seed": "the gradient of the output with respect to itself",
    "staged.gate": "{kind} gate",
    "staged.add": "add gate distributes",
    "staged.id": "identity: local derivative 1",
    "staged.mul": "mul gate swaps its inputs",
    "staged.sign": "{kind} gate: local derivative {sign}",
    "staged.max": "max gate routes to the larger input",
    "staged.min": "min gate routes to the smaller input",
    "staged.max_to": "max gate routes to the larger input, {winner}",
    "staged.min_to": "min gate routes to the smaller input, {winner}",
    "staged.tie": "{kind} gate: a tie, each input gets half",
    "staged.in_output": "{kind} gate: local derivative in terms of its output {out}",
    "staged.in_input": "{kind} gate: local derivative in terms of its input {input}",
    "staged.fork": "fork: gradients add up",
    "staged.fork_total": "fork: total {total}",
    "staged.both": "{first}; {second}",
    "staged.check": "check: {how}",
    "staged.check_identical": "identical to sympy.diff{what}",
    "staged.check_cancels": "sympy.diff{what} minus this cancels to 0",
    "staged.check_points": "agrees with sympy.diff{what} at {points} random points",
    "staged.check_ties": "sympy.diff{what} splits max/min ties differently (a convention)",
    "staged.check_untested": "not compared with sympy.diff{what}: undefined at every random point",
    "staged.check_tie_value": "a max/min tie (step {steps}): sympy.diff splits it differently, {value}",
    "numbers.example": "example {r}",
    "numbers.more": "... ({n} more)",
    "notes.saturation_none": ("This network has no sigmoid or tanh unit, so nothing in it saturates. For "
                              "comparison, a sigmoid unit:"),
})

MESSAGES.update({
    # -- handout: frame and sections ------------------------------------------------
    "handout.subtitle": "Network {spec}",
    "handout.notation_title": "Notation",
    "handout.symbol": "symbol",
    "handout.meaning": "meaning",
    "handout.n_weight": "weight from neuron k of layer l-1 to neuron j of layer l (j = to, k = from)",
    "handout.n_matrix": ("all weights of layer l: row j holds the weights into neuron j, so W⁽ˡ⁾ is nₗ × nₗ₋₁ "
                         "(as torch.nn.Linear)"),
    "handout.n_z": "pre-activation (weighted input) of neuron j in layer l, for one example",
    "handout.n_a": "its activation f(z⁽ˡ⁾ⱼ); the input is a⁽⁰⁾ = x, the output a⁽ᴸ⁾ = ŷ",
    "handout.n_superscript": "a layer index, not an exponent: a⁽²⁾ is layer 2, (a)² would be a square",
    "handout.n_delta": "the error of neuron j: how the loss of one example changes with its pre-activation",
    "handout.n_loss": "ℓ is the loss of one example; J is the loss of the batch",
    "handout.n_batch": "a batch holds one example per row: X is m × {n0}, Y is m × n_L",
    "handout.layout": (
        "Layout. Vectors of one example are columns in the formulas above; a batch is a matrix with one "
        "example per row, so Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾W⁽ˡ⁾ᵀ + 1ₘb⁽ˡ⁾ᵀ and A⁽ˡ⁾ = f(Z⁽ˡ⁾). A gradient has the shape of "
        "what it differentiates by (denominator layout): ∂J/∂W⁽ˡ⁾ has the shape of W⁽ˡ⁾. Indices start at 1 "
        "in the maths and at 0 in the code."),
    "handout.this_network": "(this network)",
    "handout.spec": "specification",
    "handout.name": "name",
    "handout.layer": "layer {l}",
    "handout.layer_row": "{token}: {shape_in} → {shape_out}; {params}",
    "handout.no_params": "no parameters",
    "handout.loss": "loss",
    "handout.batch": "batch",
    "handout.example_m": "the worked example has m = {m}",
    "handout.parameters": "parameters",
    "handout.diagram_title": "The network",
    "handout.input": "input",
    "handout.diagram_caption": ("Each arrow carries a weight; the labelled ones are the weights into the first "
                                "neuron of each layer, w⁽ˡ⁾ⱼₖ from neuron k (left) to neuron j (right)."),
    "handout.diagram_bias": "Every neuron after the input also adds its bias b⁽ˡ⁾ⱼ (not drawn).",
    "handout.diagram_blocks": "Each block is one layer, with the shape of one example after it.",
    "handout.forward_title": "Forward pass",
    "handout.forward_intro": ("One example at a time, as staged intermediate values: each is computed from the "
                              "ones before it. Every row of the batch goes through the same definitions."),
    "handout.forward_general": ("One example at a time; the layers are too wide to write neuron by neuron, so each "
                                "definition is written for neuron j of its layer."),
    "handout.no_graph": ("This network has {n} parameters: too many to write its quantities one by one. Each "
                         "layer computes its outputs from the previous layer's, as the spec says."),
    "handout.chain_title": "The chain rule, one parameter at a time",
    "handout.chain_intro": ("Each step is a local derivative (of one definition above) times the upstream "
                            "gradient that arrives from the loss. The errors δ = ∂ℓ/∂z are computed first, "
                            "once per neuron and from the output backwards, and reused for every parameter."),
    "handout.gates": ("Gates: an add passes the upstream gradient unchanged to each of its inputs, a product "
                      "sends it to each input times the other input, and a max (ReLU, max pooling) routes it "
                      "to the input that won."),
    "handout.fan_out": "Where a value feeds several others, the contributions add up: in code, +=, never =.",
    "handout.chain_general": ("This network has {n} parameters, and the chain rule is the same for each: the "
                              "next section derives it once for a general layer l, index by index, and reads "
                              "the result as matrix products."),
    "handout.parameters_title": "Parameters",
    "handout.one_parameter": "One parameter followed all the way, {name}:",
    "handout.every_parameter": ("Every gradient, as upstream delta times local derivative (the deltas come "
                                "from the backward pass above):"),
    "handout.representatives": ("This network has {n} parameters; the first entry of each parameter array "
                                "stands for the rest, as upstream delta times local derivative:"),
    "handout.bp_title": "From scalars to indices to matrices: BP1-BP4 for a batch",
    "handout.box_title": "Activation derivatives",
    "handout.box_intro": ("f′ is taken at z, but where it can be written in the stored output a = f(z) that is "
                          "how it is computed: use the activation kept from the forward pass."),
    "handout.pairs_intro": ("Output layer and loss together give the output error δ⁽ᴸ⁾ⱼ = ∂ℓ/∂z⁽ᴸ⁾ⱼ (from the "
                            "rules card):"),
    "handout.pair": "{act} + {loss}",
    "handout.jacobian_intro": ("Softmax couples its outputs: its Jacobian has a diagonal and an off-diagonal "
                               "form, and with cross-entropy the ŷ's cancel down to ŷ - y."),
    "handout.saturation_title": "Saturation and vanishing gradients",
    "handout.saturated_here": ("In the worked example, {neuron} = {z}: there {act}′(z) = {slope}, so the error "
                               "{delta} = {error} all but vanishes, and so do the gradients of the weights into "
                               "that unit."),
    "handout.saturated_output": ("In the worked example, {neuron} = {z}: there {act}′(z) = {slope}, yet the output "
                                 "error is {delta} = {error}: {act} and {loss} pair up, the loss cancels {act}′ at "
                                 "the output (see the output pairs in the box), and the output layer keeps learning. "
                                 "A saturated hidden unit has no such help."),
    "handout.worked_title": "A worked example",
    "handout.no_numbers": ("This network is too large for the exact worked example, and it is not a dense "
                           "network, whose matrix forms give numbers at any width."),
    "handout.worked_float": ("The layers are wide, so the numbers come from the matrix forms of BP1-BP4 above, "
                             "in float64, for all m = {m} examples; the tables show the first {n} neurons of "
                             "each layer."),
    "handout.first_entries": "The first {k} entries of each parameter array:",
    "handout.float64": "Values are float64, shown rounded.",
    "handout.reverse_title": "Why reverse mode",
    "handout.code_title": "The code, and checking it",
    "handout.code_intro": ("The generated NumPy module: value_and_grad computes J and every gradient for the "
                           "batch (row r of X is example r; code indices start at 0)."),
    "handout.code_how": "Run chainrule codegen {spec} -o model.py for the matching NumPy module.",
    "handout.check_advice": (
        "Checking gradients: compare every entry of the backprop gradient with a central difference "
        "(J(θ + h) - J(θ - h)) / 2h, with h ≈ 1e-5 in float64; its error shrinks like h² (a one-sided "
        "difference only like h). A relative difference above about 1e-6 points to a bug: a missing "
        "transpose, a missing 1/m, a bias gradient not summed over the batch, or = where += was needed."),
    "handout.exercises_title": "Exercises",
    "handout.exercises_intro": ("The numbers come from this network with an example drawn from the seed; every "
                                "answer is computed from the numbers given and checked against the whole "
                                "network's evaluation."),
    "handout.exercises_dense_only": ("The exercises on BP1-BP4 are for dense networks; these work for any "
                                     "network, on the worked example."),
    # -- exercises ----------------------------------------------------------------
    "ex.title": "Exercise {n}: {title}",
    "ex.solution": "Solution.",
    "ex.forward_title": "Forward pass",
    "ex.forward_q": ("For one example the inputs are {inputs}{rest}; the weights{bias} into neuron {j} of layer "
                     "1 are {weights}. Compute {z} and {a} ({act})."),
    "ex.forward_softmax_q": ("For one example the inputs are {inputs}{rest}; the weights{bias} into neuron {j} of "
                             "layer 1 are {weights}. Compute {z}. The other pre-activations of layer 1 are "
                             "{others}; compute the softmax output {a}."),
    "ex.rest_zero": ", and every other input is 0",
    "ex.and_bias": " and the bias",
    "ex.bp1_title": "Output error (BP1)",
    "ex.bp1_q": "For one example, {givens}. Compute the output error {d} ({act} output, {loss} loss){note}.",
    "ex.one_hot": "; the target is one-hot",
    "ex.bp2_title": "Sending the error back (BP2)",
    "ex.bp2_q": ("In layer {l} ({act}), neuron 1 has {own}. The errors of layer {next} are {deltas}, and the "
                 "weights out of that neuron {weights}{rest}. Compute {d} with BP2."),
    "ex.rest_sum": "; the other {n} products δ·w sum to S = {S}",
    "ex.batch_title": "A weight gradient over a batch (BP4)",
    "ex.batch_title_bias": "A weight and a bias gradient over a batch (BP4, BP3)",
    "ex.batch_q": ("A batch of m = {m} examples (the superscript [r] is the row) gives {givens}{params}. "
                   "Compute {asked} ({how}{l2})."),
    "ex.batch_mean": "J is the mean over the batch",
    "ex.batch_sum": "J is the sum over the batch",
    "ex.l2": "; J includes the penalty (λ/2)Σw² with λ = {lam}",
    "ex.shapes_title": "Shapes",
    "ex.shapes_q": ("Take a batch of m = {m} examples. Give the shapes of {asked}. Which product is {W}: "
                    "{right} or {wrong}?"),
    "ex.quantity": "quantity",
    "ex.shape": "shape",
    "ex.shapes_differ": ("Only {right} has the shape of {W}; {wrong} is its transpose, {shape}: the shapes "
                         "decide it."),
    "ex.shapes_square": ("Here both are {n} × {n}, so the shapes cannot tell them apart: {wrong} is the "
                         "transpose of {right}, and puts the gradient of w_kj where w_jk's belongs. The "
                         "product that sums over the batch with the errors first, {right}, is the gradient."),
    "ex.shapes_scalar": ("Here both are 1 × 1 and equal: with one neuron on each side the order does not "
                         "matter. With wider layers only {right} has the shape of the weights."),
    "ex.shapes_bias": "{db} sums the errors over the m = {m} rows: one number per neuron.",
    "ex.changes_title": "What changes if ...",
    "ex.changes_a_q": ("(a) J is the {other} over the batch instead of the {now}: on a batch of m = {m} "
                       "examples {grad} = {value}. What is it then, and do the errors δ change?"),
    "ex.changes_a_note": "with the {other}",
    "ex.changes_a": ("(a) The factor on ∂J/∂W and ∂J/∂b changes from {old} to {new}, so the gradient is "
                     "multiplied by {factor}. The errors δ are per example and do not change: the factor "
                     "sits on the gradients only."),
    "ex.changes_a_l2": ("(a) The factor on the data part of ∂J/∂W and ∂J/∂b changes from {old} to {new} "
                        "(the penalty's part does not). The errors δ are per example and do not change."),
    "ex.changes_b_q": ("{mark} {z} ({act}, layer {l}): by what factor is that neuron's error multiplied, "
                       "and what happens to the gradients of the weights into it?"),
    "ex.at": "at z = {z}",
    "ex.with_a": "a = {a}",
    "ex.changes_b": ("{mark} The error of that neuron, and the gradient of every weight into it, is multiplied "
                     "by {factor}: {verdict}."),
    "ex.off": "this path is switched off for this example",
    "ex.vanishes": "the gradient all but vanishes (saturation)",
    "ex.shrinks": "the error shrinks",
    "ex.passes": "the error passes unchanged",
    "ex.grows": "the error grows",
    "ex.check_title": "Checking a gradient numerically",
    "ex.check_q": ("With the worked example's parameters and h = {h}, the loss is J(θ + h) = {plus} and "
                   "J(θ - h) = {minus} for θ = {theta} ({digits} significant digits). Estimate {grad} by a "
                   "central difference and compare it with backprop's value."),
    "ex.backprop": "backprop",
    "ex.check_a": ("They differ by {diff}, a relative difference of {rel}: the error of a central difference "
                   "shrinks like h²."),
    "ex.check_a_digits": ("They differ by {diff}, a relative difference of {rel}: J is large here, and its {digits} "
                          "printed digits resolve the estimate only to about {res}."),
})

MESSAGES.update({
    "handout.scaled": "the weights into layer l scaled by 3/√nₗ₋₁, so that z stays near 1 in a wide layer",
})

MESSAGES.update({
    # -- exercises on the layer kinds beyond dense (derive/views/kind_exercises.py) ------------
    "kx.conv_shape_title": "The shape of a convolution",
    "kx.conv_shape_q": ("Layer {l} is conv({c}, {k}) with stride {s} and padding {p}, on an input of shape "
                        "{shape}. What is the shape of its output, and how many parameters does it have?"),
    "kx.conv_shape_a": ("The same formula gives the width, {w}, so the output is {shape}: one map per kernel. "
                        "The layer has {c} kernels of {cin} × {k} × {k} weights and {bias} biases: {n} "
                        "parameters, whatever the size of the image."),
    "kx.conv_grad_title": "One entry of a kernel gradient by hand",
    "kx.conv_grad_q": ("In the worked example, layer {l} slides a {k} × {k} kernel with stride {s} and padding "
                       "{p}. The table gives, for example 1, the errors δ of output channel 1 at each output "
                       "position and the input value the weight {w} multiplies there. Compute the gradient of "
                       "example 1's loss with respect to {w}."),
    "kx.conv_grad_a": ("The weight {w} is shared by every output position, so its gradient is the sum over the "
                       "positions of the error there times the input it saw (a correlation of the input with "
                       "the error):"),
    "kx.conv_grad_batch": ("Over the batch of {m} examples, the same sum for each example, averaged as J "
                           "averages, gives {grad} = {value}, the worked example's gradient."),
    "kx.position": "position",
    "kx.error": "error",
    "kx.input": "input seen",
    "kx.bn_title": "The batch-norm backward on a batch of three",
    "kx.bn_q": ("One batch-norm unit sees the batch x = ({x}) and receives the upstream gradients dy = ({dy}). "
                "Its scale is γ = {gamma} and ε = {eps}. Compute dx with the simplified form "
                "dx = (γ / (m σ)) (m dy - Σ dy - x̂ Σ(dy x̂)), and check that the dx sum to 0."),
    "kx.bn_a1": "The batch statistics: μ = {mu}, σ² = {var}, so σ = √(σ² + ε) = {sigma}.",
    "kx.bn_a2": ("The two sums the formula needs: Σ dy = {s1} and Σ dy x̂ = {s2}. Each dx then follows "
                 "(every value checked against sympy.diff of the definitions):"),
    "kx.bn_a3": ("The dx sum to {total}: shifting every x by the same amount leaves x̂, and so the loss, "
                 "unchanged, so the gradient has no component along (1, 1, 1)."),
    "kx.dropout_title": "Why dropout scales by 1/(1 - p)",
    "kx.dropout_q": ("Layer {l} keeps each value with probability 1 - p and drops it with probability p = {p}, "
                     "and multiplies the kept ones by 1/(1 - p). What is the expected output for an input x, "
                     "and what gradient passes back through a kept and through a dropped unit?"),
    "kx.dropout_a": ("So the expected output is the input, and inference can use the layer as the identity. "
                     "Backward, the mask is a constant: a kept unit passes its gradient times {keep}, a "
                     "dropped one passes 0."),
})

MESSAGES.update({
    # -- how far back the error reaches (derive/views/handout/bptt.py) ---------------------------
    "handout.bptt_title": "How far back the error reaches: a tanh RNN against an LSTM",
    "handout.bptt_intro": ("The same sequence of {T} inputs goes through a tanh RNN and an LSTM, both with {H} "
                           "hidden units, weights drawn as torch draws them (uniform in ±1/√H) and, for the "
                           "LSTM, the forget gate's bias set to {bias} so that the gate starts open. The loss "
                           "reads the last hidden state. The table gives the size of the error that reaches each "
                           "hidden state, |∂J/∂hₜ|, from the graph's own backward pass. In the RNN each step "
                           "back multiplies the error by Wₕᵀ diag(f′(zₜ)); in the LSTM the cell state passes it "
                           "on through the forget gate, times f ≈ 0.95, with no weight matrix in the way."),
    "handout.bptt_step": "step t",
    "handout.bptt_outro": ("From step {T} down to step 1 the RNN's error falls to {rnn} of its size, a factor "
                           "of about {rnn_step} per step: the first inputs barely move its weights (the "
                           "vanishing gradient). The LSTM's keeps {lstm} of it, about {lstm_step} per step."),
})

MESSAGES.update({
    # -- pictures of learning and the optimizer section (derive/views/handout/learning.py) ------
    "plot.step": "step",
    "plot.descent": "gradient descent",
    "plot.curve": "J as a function of {name}",
    "plot.path": "the descent path",
    "plot.path_caption": ("The loss as a function of the one parameter, with the steps of gradient descent "
                          "from {start} on it ({steps} steps): each step goes downhill by the learning rate "
                          "times the slope, so the steps shrink as the slope flattens."),
    "plot.data": "the examples",
    "plot.before": "before training",
    "plot.after": "after {steps} steps",
    "plot.fit_caption": ("The network's output for every x, before and after {steps} steps of gradient descent "
                         "with learning rate {lr} on the examples (J = {loss} after training)."),
    "handout.optimizer_title": "The optimizer: {name}",
    "handout.optimizer_large": ("The optimizer section follows the worked example through the scalar graph; "
                                "this network is too large for it. The generated module's fit() runs every "
                                "optimizer at any size."),
})

MESSAGES.update({
    # -- the presets' descriptions (derive/presets.py) ----------------------------------
    "preset.single-weight": 'One weight, no bias, no activation: yhat = x*w, J = (yhat - y)^2. Gradient descent walks w towards y/x = 1/3.',
    "preset.relu-square": 'A 1-2-1 ReLU network fitting y = x^2 from four points, with half squared error. The ReLU derivative switches paths on and off.',
    "preset.mlp-2-3-1": 'A [2, 3, 1] sigmoid network on a batch of 4 examples (XOR): the lesson is the shape of every gradient.',
    "preset.softmax-2hidden": 'Two ReLU hidden layers and a softmax output with cross-entropy: the classification case, where the output delta is yhat - y.',
    "preset.logistic": 'Logistic regression, the network with no hidden layer: the output error yhat - y is known directly.',
    "preset.small-cnn": "A small CNN on two 4x4 images: two 3x3 kernels, ReLU, 2x2 max pooling, then a softmax classifier. The kernel gradient is a correlation of the input with the error, and pooling routes the error to each window's maximum.",
    "preset.bn-mlp": "Batch norm between a ReLU layer and a softmax classifier, on a batch of four: each unit is normalised over the batch, so the examples' gradients are coupled through the mean and the variance.",
    "preset.residual-mlp": 'A residual block x + F(x) on two inputs, then a linear output: the gradient reaches x along the skip and through the block, and the two add up.',
    "preset.tiny-rnn": "A tanh RNN with two hidden units over three time steps: the shared weights' gradients are sums over time, and the error flows back through a product of Jacobians (backpropagation through time).",
})

MESSAGES.update({
    "sep.end": ".",
    "sep.clause": "; ",
    # -- chainrule check: grading a student's gradient (derive/answer) ----------------------------
    "check.right": "{question}: right",
    "check.wrong": "{question}: wrong",
    "check.your_answer": "your answer",
    "check.expected": "expected",
    "check.where": "where",
    "check.checked_grad": ("Compared with the derivation's BP1-BP4 on random batches of m = {ms} examples "
                           "({draws} random draws of the parameters and data each)."),
    "check.checked_param": ("Compared with the derivation's gradient at {points} random points (inputs, targets "
                            "and parameters drawn at random, every quantity computed from its definition)."),
    "check.proved": "SymPy also simplifies the difference to 0 once the definitions are put in.",
    "check.bias_shape": ("Note: {param} has shape {shape}; your answer has shape {yours}, which holds the same "
                         "numbers."),
    "check.not_finite": ("Your answer is not a finite number everywhere (a log of a negative number, or a "
                         "division by zero?)."),
    "check.transposed": ("The result is transposed: {question} has the shape of {param}, {shape} (one row per "
                         "neuron of the layer, one column per input), so the factors of the product come the "
                         "other way round: {question} = {expected}."),
    "check.transposed_bias": ("The result is transposed: {question} has the shape of {param}, {shape}: "
                              "{question} = {expected}."),
    "check.missing_m": ("The 1/m of the mean over the batch is missing: J averages the m examples' losses, and "
                        "dZ holds each example's own error, so the 1/m goes on dW and db."),
    "check.extra_m": ("There is a 1/m too many: dZ holds each example's own error (without 1/m), and the mean "
                      "over the batch puts one 1/m on dW and db."),
    "check.sum_no_m": "There is a 1/m too many: this J sums the examples' losses (sum), so no 1/m appears.",
    "check.extra_m_factor": "There is a factor m too many: this J sums the examples' losses, with no 1/m.",
    "check.sign": ("The sign is flipped: the gradient points uphill, and gradient descent subtracts it "
                   "(w ← w - lr·dJ/dw)."),
    "check.two_more": "There is a factor of 2 too many: {note}",
    "check.two_less": "A factor of 2 is missing: {note}",
    "check.two_half_se": ("this network's loss is half_se, ½(ŷ - y)², whose ½ cancels the 2 of the square: "
                          "the output error is ŷ - y before any f′."),
    "check.two_se": ("this network's loss is {loss}, (ŷ - y)² without a ½, so the derivative of the square "
                     "brings a 2: 2(ŷ - y) before any f′ (half_se would cancel it)."),
    "check.two_other": "no factor of 2 belongs in the gradient of {loss}.",
    "check.n_missing": ("The 1/{n} of mse is missing: mse averages over the {n} outputs as well, so the "
                        "output error is 2(ŷ - y)/{n} before any f′."),
    "check.n_extra": "There is a 1/{n} too many: mse's 1/{n} (the mean over the {n} outputs) appears once.",
    "check.factor": "Your answer is the right one times a constant factor {factor}.",
    "check.no_fprime": ("The activation derivative of layer {l} ({act}) is missing: layer {l}'s error carries "
                        "the factor f′(z) = {fprime}."),
    "check.fprime_at_a": ("The derivative of layer {l} ({act}) is taken at the activation a, after the "
                          "activation; f′ belongs at the pre-activation z: f′(z) = {fprime}."),
    "check.fprime_form_at_z": ("The derivative of layer {l} ({act}) is written with z where its form takes the "
                               "activation a: {wrong} instead of {fprime}."),
    "check.fprime_other_act": "Layer {l} applies {act}, but the derivative used is {other}′: f′(z) = {fprime}.",
    "check.fprime_other_layer": ("The derivative of layer {l} is taken at Z{k}, layer {k}'s pre-activation; it "
                                 "belongs at layer {l}'s own Z{l}: {fprime}."),
    "check.extra_fprime": ("The output error has an extra f′: with {act} and {loss}, f′ cancels against the "
                           "loss, and the output error is {delta}."),
    "check.input": ("{used} stands where {right}, the input of layer {l}, belongs: a weight's gradient is the "
                    "error times what the weight received."),
    "check.z_for_a": ("{used} stands where {right} belongs: layer {l} receives the activation {right}, not the "
                      "pre-activation {used}."),
    "check.delta": "{used} stands where the error {right} belongs.",
    "check.no_sum": ("The bias gradient is not summed over the batch: every example adds its error, so "
                     "{param}'s gradient is {expected}, of shape ({n}) like {param}, with no row per example."),
    "check.no_l2": "The L2 term {lam} * W{l} is missing (the penalty λ/2·ΣW² adds λ·W to dJ/dW).",
    "check.shape": "Your answer has shape {yours}; {question} has the shape of {param}, {shape}.",
    "check.not_equal": ("Not equal to {question}, and none of the usual mistakes explains the difference (at "
                        "m = {m}, entry {entry}: yours {yours}, expected {value})."),
    "check.not_equal_shape": "Not equal to {question}, and none of the usual mistakes explains the difference.",
    "check.not_equal_scalar": ("Not equal to {question}, and none of the usual mistakes explains the difference "
                               "(at one random point: yours {yours}, expected {value})."),
    "check.mismatch": "The shapes do not fit in {part}: {left} is {lshape} and {right} is {rshape}.",
    "check.mismatch_one": "The shapes do not fit in {part}: {shape} does not allow {op}.",
    "check.mismatch_fits": "{fix} would fit.",
    "check.mismatch_fixed": "{fix} would fit, and with it your answer is right: {answer}.",
    "check.param_other": "That is the gradient of {other}, not of {param}: dJ/d{other} = {expected_other}.",
    "check.param_swapped": ("That is the gradient of {other}: the indices are swapped. w{l}_j_k connects neuron k "
                            "of layer {prev} to neuron j of layer {l}, so dJ/d{param} = {expected}."),
    "check.scalar_extra": "Your answer has a factor {factor} too many.",
    "check.scalar_missing": "The factor {factor} is missing.",
    # -- the explore page and the HTML printer (derive/views/explore.py, issue #15) ------
    "explore.step": "Take a step",
    "explore.reset": "Reset",
    "explore.steps_done": "steps taken",
    "explore.loss": "loss J",
    "explore.scalar": "Scalar view",
    "explore.matrix": "Matrix view (BP1-BP4)",
    "explore.view": "View",
    "explore.choose": "Click a weight (an arrow) or a bias (the small square by a neuron) in the drawing, or "
                      "choose a parameter from the list, to see its derivation.",
    "explore.choose_blocks": "Choose a parameter from the buttons under the drawing or from the list to see its "
                             "derivation.",
    "explore.pick": "Parameter",
    "explore.parameters": "Parameters",
    "explore.drawing": "The network: click a weight or bias",
    "explore.derivation_of": "Derivation",
    "explore.quantity": "quantity",
    "explore.value": "value now",
    "explore.intro_dense": ("Each arrow is a weight and each small square a bias. Choose one to see how "
                            "backpropagation finds its gradient: the paths from it to the loss, the local "
                            "derivative on each edge, and the delta the backward pass computed once and reuses. "
                            "Take a step of gradient descent to see every number change."),
    "explore.intro_blocks": ("Each block is one layer. Choose a parameter from the list under the drawing to see "
                             "how backpropagation finds its gradient; the matrix view gives the equations of "
                             "every layer. Take a step of gradient descent to see every number change."),
    "explore.example": ("The numbers are the worked example's, {m} example{s}: {described} A step replaces "
                        "every parameter θ by θ - {lr}·∂J/∂θ; J and the gradients are computed in this page "
                        "from the derivation's own definitions."),
    "explore.after_step": "after a step, θ - {lr}·∂J/∂θ",
    "explore.too_many_params": ("This network has {n} parameters; the page carries a derivation for at most "
                                "{limit}, so it shows the drawing and the matrix view only."),
    "explore.too_large": ("This network's scalar graph has about {n} terms (at most {limit} are evaluated), so "
                          "the page shows the drawing and the matrix view only, without numbers."),
    # -- exams (derive/views/exam.py, chainrule exam) --------------------------------------------
    "ex.sgd_title": "One step of gradient descent",
    "ex.sgd_q": ("On a batch ({how}), {theta} and {grad}. Take one step of gradient descent with learning "
                 "rate η = {lr}: what is {symbol} after the step?"),
    "ex.sgd_note": "η = {lr}",
    "exam.title": "Exam: {name}",
    "exam.version": "{title}, version {n}",
    "exam.name_line": "Name: ______________________________",
    "exam.network": "The network is {spec}. Each question gives every number it needs.",
    "exam.instructions": "Give each answer to four significant digits: an answer within {tol} of the key counts.",
    "exam.question": "Question {n}: {title}",
    "exam.short": "Q{n}{part} {title}",
    "exam.moodle_name": "Q{n}{part} {title}, version {v}",
    "exam.enter": "Enter {what}.",
    "exam.keys_title": "Keys: {title}",
    "exam.key_title": "{title}, version {n}: key",
    "exam.key_question": "question",
    "exam.key_asked": "asked",
    "exam.key_answer": "answer",
    "exam.key_tolerance": "accepted within ±",
    # -- feature maps, the unrolled RNN and the weight-decay comparison (helper 'kinds') --------
    "diagram.conv": "conv {k}×{k}",
    "diagram.stride": ", stride {s}",
    "diagram.pad": ", pad {p}",
    "diagram.maxpool": "max pool {k}×{k}",
    "diagram.avgpool": "avg pool {k}×{k}",
    "diagram.maps": ("Each stack is the feature maps of one example after a layer, one sheet per channel, "
                     "larger for a larger height and width; its caption gives channels × height × width."),
    "diagram.maps_more": "At most {shown} maps of a stack are drawn; the dots stand for the rest (up to {c}).",
    "diagram.skip": ("The arc over a residual block is its skip: the block's input is added to the output "
                     "of its last layer, so the gradient reaches the input both ways and the two add up."),
    "diagram.skip_add": "+ skip",
    "diagram.skip_add_act": "+ skip, then {act}",
    "diagram.window": ("The coloured square on a stack is one window of the next layer (its kernel or pooling "
                       "window); the lines lead to the one entry of the next stack that it makes."),
})

MESSAGES.update({
    # -- the unrolled recurrent network (derive/views/handout/unrolled.py) ---------------------
    "unroll.start": "h₀ = 0",
    "unroll.start_lstm": "h₀ = c₀ = 0",
    "unroll.step": "t = {t}",
    "unroll.output": "output",
    "unroll.gap": "Steps {first} to {last} are not drawn.",
    "unroll.lstm": ("The top row is the LSTM's cell state cₜ: the error passes from cₜ to cₜ₋₁ through the "
                    "forget gate alone, with no weight matrix in the way."),
    "unroll.gru": ("Inside each step of the GRU the reset gate rₜ scales hₜ₋₁ before the candidate reads it, "
                   "and the update gate zₜ mixes hₜ₋₁ with the candidate."),
})

MESSAGES.update({
    # -- exercises on backpropagation through time (derive/views/rnn_exercises.py) -------------
    "handout.exercises_bptt": ("The two on backpropagation through time use a tanh RNN of their own, with one "
                               "hidden unit, small enough to work by hand."),
    "rx.step": "t",
    "rx.h": "hₜ",
    "rx.bptt_title": "Backpropagation through time by hand",
    "rx.bptt_q": ("A tanh RNN with one hidden unit reads the sequence x₁, x₂, x₃ = {x}, starting from h₀ = 0: "
                  "zₜ = wₓ xₜ + wₕ hₜ₋₁, hₜ = tanh(zₜ). The output is ŷ = v h₃ and the loss ℓ = ½ (ŷ - y)². "
                  "Take wₓ = {wx}, wₕ = {wh}, v = {v} and y = {y}. The forward pass gives (to four decimals):"),
    "rx.bptt_q2": ("and ŷ = {yhat}. (a) Working backwards, compute ∂ℓ/∂h₃, ∂ℓ/∂h₂ and ∂ℓ/∂h₁, with "
                   "δₜ = ∂ℓ/∂zₜ on the way. (b) {wh} is used at every step: compute ∂ℓ/∂wₕ."),
    "rx.bptt_a1": ("(a) The error enters at the output and runs back one step at a time; each hₜ₋₁ feeds zₜ "
                   "only, so its error is δₜ times wₕ, and tanh′ = 1 - h² turns ∂ℓ/∂hₜ into δₜ:"),
    "rx.bptt_a2": ("(b) {wh} multiplies hₜ₋₁ in every zₜ, so its gradient is a sum over the steps of δₜ "
                   "times hₜ₋₁ (the term of step 1 vanishes, as h₀ = 0):"),
    "rx.bptt_a3": ("In code: one backward sweep from t = T down to 1, accumulating dwₕ += δₜ hₜ₋₁ at every "
                   "step, never overwriting it."),
    "rx.vanish_title": "The factor that repeats: vanishing gradients",
    "rx.vanish_q": ("In the previous exercise, one step back multiplies the error by {f} = ∂hₜ/∂hₜ₋₁: "
                    "∂ℓ/∂hₜ₋₁ = fₜ ∂ℓ/∂hₜ. Write fₜ in terms of wₕ and hₜ and compute f₃ and f₂. By what "
                    "factor is the error of h₁ smaller than that of h₃? Since |tanh′| ≤ 1, what bound does "
                    "|wₕ| put on the error that reaches a step {far} steps before the output?"),
    "rx.vanish_a1": ("So {first} = f₂ f₃ {last}: the error of h₁ is {ratio} times that of h₃ (check it against "
                     "the previous exercise)."),
    "rx.vanish_a2": ("Each factor is wₕ tanh′(zₜ) and |tanh′| ≤ 1, so |fₜ| ≤ |wₕ| = {wh}: {far} steps back "
                     "the error is at most {wh}^{far} = {bound} of its size. With several hidden units wₕ "
                     "becomes the matrix Wₕᵀ and the same product of Wₕᵀ diag(f′(zₜ)) decides: the gradient "
                     "vanishes when the factors are small and explodes when they are large. The LSTM's cell "
                     "state avoids the product of weight matrices."),
})

MESSAGES.update({
    # -- the factor that repeats, with its numbers (derive/views/bptt_numbers.py) --------------
    "bptt.factor_title": "Backpropagation through time at example 1: the factor that repeats",
    "bptt.factor_intro": ("One step back multiplies the error of the hidden state by the same kind of factor, "
                          "Jₜ = ∂hₜ/∂hₜ₋₁ = Wₕᵀ diag(f′(zₜ)): ∂ℓ/∂hₛ = Jₛ₊₁ ∂ℓ/∂hₛ₊₁ for s < T = {T}, and "
                          "the error of the last state comes from the output. Each entry Jₜ[q, j] is the product "
                          "of the graph's two local derivatives, ∂zₜⱼ/∂hₜ₋₁,q (an entry of Wₕ) and tanh′ at "
                          "zₜⱼ; each product is checked against the backward pass above."),
    "bptt.factor_entries": "The table gives them at every step, with the error they carry back.",
    "bptt.factor_wide": ("With {H} hidden units Jₜ and the errors have too many entries to list; the size of "
                         "the error at each step follows."),
    "bptt.factor_slopes": ("With {H} hidden units Jₜ has too many entries to list; Wₕ is the same at every step, "
                           "so the table gives what changes, the diagonal f′(zₜ), with the errors."),
    "bptt.factor_outro": ("Over the {steps} steps back from step {T} to step 1 the error's size changes by a "
                          "factor of {ratio}, about {per_step} per step: the product of the Jₜ."),
})

MESSAGES.update({
    # -- L2 in the loss against decoupled weight decay (derive/views/decay.py) -----------------
    "decay.title": "L2 in the loss or decoupled weight decay (AdamW)",
    "decay.intro": ("With l2(λ) the loss gains (λ/2) Σ w² over the weights, so each weight's gradient gains "
                    "the extra λ w. Decoupled weight decay (AdamW) leaves the loss alone and shrinks the "
                    "weights in the update instead. Here λ = {lam} ({source}), on the weights only, not on "
                    "the biases (nor γ, β)."),
    "decay.given": "the spec's l2",
    "decay.default": "AdamW's default; the spec has no l2",
    "decay.sgd": ("Under plain SGD the two are one update. The first step of each, the rules composed by "
                  "SymPy (g is ∂J/∂θ without the penalty; torch writes decoupled decay with the learning "
                  "rate, θ(1 - ηλ), so no rescaling of λ is needed), expands to the same expression:"),
    "decay.with_l2": "L2 in the loss",
    "decay.decoupled": "decoupled",
    "decay.adam": "Under Adam they differ. The first step of each (m = v = 0, t = 1):",
    "decay.why": ("Adam divides the decay λθ, together with the gradient, by √v̂ + ε: a weight whose gradients "
                  "are large is hardly decayed, one whose gradients are small is decayed hard. AdamW shrinks "
                  "every weight by the same factor 1 - ηλ per step, whatever its gradients."),
    "decay.table": "The weight {p} over {steps} steps of the worked example, learning rate {lr}, four ways:",
    "decay.sgd_l2": "SGD, L2",
    "decay.sgd_decoupled": "SGD, decoupled",
    "decay.adam_l2": "Adam, L2",
    "decay.adamw": "AdamW",
    "decay.exactly": "exactly",
    "decay.within": "to within {gap}, the rounding of the {digits} significant digits carried",
    "decay.outro": ("Under SGD the two columns agree {how}, every parameter at every step. Under Adam, after "
                    "{steps} steps the parameters differ by up to {adam_gap} (at {worst}), and J without the "
                    "penalty is {j_l2} with L2 against {j_w} with AdamW."),
})

MESSAGES.update({
    # -- issue 12 audit: the optimizer trace's hyperparameters and rows (derive/views/numbers.py),
    #    the target function in the handout's fit picture (derive/views/handout/learning.py) --
    "optimizer.settings": "The values it runs with: the learning rate as given, the rest torch.optim's defaults.",
    "optimizer.hyperparameter": "hyperparameter",
    "optimizer.rows": ("Row t holds the parameter and J before step t + 1, the gradient g there, and the "
                       "state that step leaves."),
    "plot.target": "y = {f}",
    "plot.target_caption": ("The examples are samples of y = {f}, drawn too: a good fit follows it between "
                            "the examples, not only through them."),
})

MESSAGES.update({
    "handout.trace_stopped": ("Gradient descent from this example, with learning rate {lr}, reaches a loss that "
                              "cannot be computed at step {step} (a saturated unit: the log of 0, or an overflow), "
                              "so the descent trace is left out. A smaller learning rate or an example nearer 0 "
                              "keeps the units out of saturation."),
    # -- an exam's own wording where the sheet's refers to the handout's worked example ------
    # (derive/views/exam.py: an exam has no worked example to point at, nor backprop's value)
    "exam.check_q": ("With h = {h}, the loss of this version's network is J(θ + h) = {plus} and J(θ - h) = "
                     "{minus} for θ = {theta}, every other parameter held fixed ({digits} significant digits). "
                     "Estimate {grad} by a central difference."),
    "exam.conv_grad_q": ("Layer {l} of this network slides a {k} × {k} kernel with stride {s} and padding {p}. "
                         "The table gives, for example 1 of a batch, the errors δ of output channel 1 at each "
                         "output position and the input value the weight {w} multiplies there. Compute the "
                         "gradient of example 1's loss with respect to {w}."),
    "exam.conv_grad_batch": ("Over the batch of {m} examples, the same sum for each example, averaged as J "
                             "averages, gives {grad} = {value}, the gradient over the whole batch."),
    # -- scalar view: long deltas, the l2 term λ w, numbers on a batch (derive/views/scalar.py) --
    "scalar.adjoint_too_long": ("{name} sums {n} contributions (one per quantity it feeds): too many to write "
                                "out. The index-level derivation (the delta view) gives it in closed form, "
                                "as a sum over the group."),
    "scalar.l2_term": "λ w from the l2 penalty, λ = {lam}",
    "scalar.on_batch": "on the worked batch of m = {m}",
    # -- the unrolled drawing with layers before the recurrent one (helper a11) ----------------
    "unroll.columns": ("The {cell} layer unrolled over its T = {T} steps: one column per step, the input xₜ below "
                       "the hidden state hₜ."),
    "unroll.columns_pre": ("Layer {l}, {cell}, unrolled over its T = {T} steps: one column per step, its input {a} below the hidden "
                            "state hₜ. The layers before it ({layers}) act on the whole sequence x first, drawn on the left; "
                            "{a} is step t of what they output."),
    "unroll.shared": ("Every step applies the same Wₓ⁽{l}⁾ and Wₕ⁽{l}⁾ (labelled once), so their gradients are sums over the "
                       "steps; h₀ = 0, and only the last hidden state goes on to the loss. Backpropagation through time "
                       "runs the arrows backwards: the error of hₜ comes from hₜ₊₁, and at t = T from the output."),
    "handout.worked_trace": ("This network is too large for the scalar graph, so the numbers come from the "
                             "generated module listed below (its trace: value_and_grad's own arithmetic, every "
                             "array kept), in float64, for all m = {m} examples; the tables show the first {n} "
                             "units of each layer, at the steps {steps}."),
    "handout.scaled_recurrent": ("the recurrent layer's weights and biases scaled by 1/√H, torch's initial range, "
                                 "and each dense layer's weights by 3/√(fan-in)"),
    "handout.reach_title": "How far back the error reaches in this network",
    "handout.reach_intro": ("‖Δₜ‖ is the size of the errors of step t's pre-activations in layer {l}: every gate "
                            "and unit of every example, per example (without 1/m). The gradients of Wₓ and of "
                            "the biases sum Δₜ over the steps, so a step whose error is small adds little to them."),
    "handout.reach_outro": ("From step T = {T} back to step 1 the error's size changes by a factor of {ratio}, "
                            "about {per} per step."),
    "handout.exercises_lstm": "The one on the cell state uses a one-unit LSTM of its own, over two steps.",
    "lx.title": "The cell state of an LSTM",
    "lx.q": ("An LSTM with one hidden unit reads x₁, x₂ = {x} from h₀ = c₀ = 0, with torch's gates: iₜ, fₜ "
             "and oₜ are σ, and gₜ is tanh, of wₓ xₜ + wₕ hₜ₋₁ (each gate its own weights); cₜ = fₜ cₜ₋₁ + "
             "iₜ gₜ and hₜ = oₜ tanh(cₜ). The output is ŷ = v h₂ and the loss ℓ = ½ (ŷ - y)², with v = {v} "
             "and y = {y}. The forward pass gives (to four decimals):"),
    "lx.q2": ("and ŷ = {yhat}. (a) Compute ∂ℓ/∂h₂ and ∂ℓ/∂c₂. (b) c₁ feeds c₂, through the forget gate, and "
              "h₁, which step 2's four gates read through their wₕ; that second path brings ∂ℓ/∂h₁ = {dh1}. "
              "Compute ∂ℓ/∂c₁, and the part of it that comes along the cell state. (c) Compute the error of "
              "step 2's forget gate, {df} = ∂ℓ/∂{zf}, {zf} being its pre-activation."),
    "lx.a1": "(a) h₂ = o₂ tanh(c₂), so the error of c₂ is that of h₂ times o₂ tanh′(c₂):",
    "lx.a2": ("(b) The two paths add. Along the cell state one step back is a single factor, ∂c₂/∂c₁ = f₂: "
              "no weight matrix and no squashing derivative in the way:"),
    "lx.a3": ("Of ∂ℓ/∂c₁, {cell} came along the cell state and {rest} through h₁. Over many steps the cell "
              "path multiplies the error by fₜ at each step, so a forget gate near 1 carries it far back: "
              "this is why an LSTM keeps its gradients alive."),
    "lx.a4": "(c) c₂ = f₂ c₁ + i₂ g₂ and f₂ = σ({zf}), so the forget gate's error is ∂ℓ/∂c₂ c₁ σ′ with σ′ = f₂(1 - f₂):",
    "scalar.paths_in_time": ("{n} dependency paths lead from {name} to J, through time; written out as "
                             "products they would be long, so here they are listed, and backprop sums them "
                             "once per neuron, in δ:"),
})
