-- %% [markdown]
-- # An LSTM cell, exported
--
-- The cell state $c_t$ carries the memory; the `forget_gate` decides how much of $c_{t-1}$ stays:
--
-- $$c_t = f_t \odot c_{t-1} + i_t \odot \tanh(W_c x_t + U_c h_{t-1} + b_c)$$
--
-- | model | parameters | test loss |
-- |:------|-----------:|----------:|
-- | RNN   | 1 153      | 0.0312    |
-- | LSTM  | 4 513      | **0.0041** |

-- %% One step
torch.manual_seed(1)
local lstm = nn.LSTM{input_size = 1, hidden_size = 4} --[[ one layer ]]
local out, state = lstm(torch.ones(1, 3, 1) * 0.5)
print('steps: ' .. out:size(2)) -- batch, steps, features
out:size()
--| steps: 3
--= {1, 3, 4}
