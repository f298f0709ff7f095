-- wrk script for bench/predict.sh: POST one row of 10 random features per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
    local f = {}
    for i = 1, 10 do f[i] = string.format("%.3f", math.random() * 10) end
    return wrk.format(nil, "/predict", nil, '{"features": [' .. table.concat(f, ", ") .. ']}')
end
