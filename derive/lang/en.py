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
    "handout.dense_only": ("BP1-BP4 in matrix form are derived here for dense networks. This network has "
                           "other layer kinds; the scalar chain rule above covers each of its quantities, and "
                           "the kind-specific matrix forms are not part of this handout yet."),
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
