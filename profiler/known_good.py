"""The known-good package set advisor is tested with (CI installs exactly these from
constraints.txt; a test keeps the two in step). Other versions may work; ``advisor doctor``
points out the differences."""

KNOWN_GOOD = {
    "jax": "0.9.2",
    "jaxlib": "0.9.2",
    "mujoco": "4.0.0",
    "mujoco-mjx": "3.17.0",
    "flax": "0.12.6",
    "optax": "0.2.8",
    "ray": "2.60.0",
    "gymnasium": "1.2.2",
    "torch": "2.13.0",
    "scikit-learn": "1.9.1",
    "streamlit": "1.67.0",
    "numpy": "2.4.6",
    "brax": "0.14.2",
    "playground": "0.2.0",
}

#: The extra of advisor's package that installs each of them (``pip install 'rl-throughput-advisor[brax]'``);
#: numpy and scikit-learn come with advisor itself.
EXTRA = {"jax": "mjx", "jaxlib": "mjx", "mujoco": "mjx", "mujoco-mjx": "mjx", "flax": "mjx", "optax": "mjx",
         "ray": "rllib", "gymnasium": "rllib", "torch": "rllib", "streamlit": "app",
         "brax": "brax", "playground": "brax"}
