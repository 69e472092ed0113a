// Forgot the user function (and defineScenario): the loader must say what it got instead.
export default { name: 'half a scenario', options: { users: 2 } };
